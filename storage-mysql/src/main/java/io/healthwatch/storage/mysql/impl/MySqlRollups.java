package io.healthwatch.storage.mysql.impl;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.rules.RollupBucket;
import io.healthwatch.core.rules.RollupPlan;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Minute and hour rollups in MySQL ({@code rollup_minute}, {@code rollup_hour}; schema version 3).
 *
 * <ul>
 *   <li><b>Ingest:</b> in the batch's transaction, after the fresh samples are inserted, the
 *       buckets they fall in are read, merged with the new samples in Java and written back with
 *       {@code INSERT ... ON DUPLICATE KEY UPDATE}. Every writer of a channel holds its
 *       {@code channel_states} row lock before it reads (the transaction's first consistent read
 *       comes after that lock), so no update is lost, also across servers; duplicates are never
 *       fresh, so they are never counted.
 *   <li><b>Reads:</b> a window follows {@link RollupPlan} in one transaction (one snapshot):
 *       the raw floor, the hour and minute buckets, and the raw samples of the partial minutes.
 *   <li><b>Retention:</b> the raw floor is raised first (so a window never reads raw samples that
 *       are being deleted), then minute buckets before the raw cutoff and hour buckets before the
 *       rollup cutoff are deleted in small statements.
 * </ul>
 */
final class MySqlRollups {
  private static final long[] UNITS = {RollupPlan.MINUTE, RollupPlan.HOUR};

  private MySqlRollups() {}

  // ---- ingest --------------------------------------------------------------------------------

  /**
   * Where a channel's buckets stand before a batch, as read under its row lock. As a lambda (only
   * {@link #lastSampleAt}): every stored bucket is read before it is merged into.
   */
  @FunctionalInterface
  interface Before {
    /** The channel's newest stored timestamp, null without samples: buckets after it hold nothing stored. */
    Long lastSampleAt(String channelId);

    /**
     * The stored bucket of {@code unit} ({@link RollupPlan#MINUTE} or {@link RollupPlan#HOUR})
     * starting at {@code start} when it is known without reading it, else null.
     */
    default RollupBucket known(String channelId, long unit, long start) {
      return null;
    }
  }

  /**
   * Merges the fresh samples into their buckets. Stored buckets the batch falls in are read (unless
   * {@code before} knows them), merged with the new samples in Java and written back.
   *
   * @return per channel of {@code fresh}, its bucket of each unit ({@code [minute, hour]}) holding
   *     its newest sample after the batch, as now stored; an entry is null when the batch did not
   *     write that bucket (only late samples)
   */
  static Future<Map<String, RollupBucket[]>> update(SqlConnection conn, List<Sample> fresh, Before before) {
    Map<String, RollupBucket[]> newest = new HashMap<>();
    if (fresh.isEmpty()) {
      return Future.succeededFuture(newest);
    }
    Map<String, Long> newestAt = new HashMap<>();
    for (Sample s : fresh) {
      newestAt.merge(s.channelId(), s.timestamp(), Math::max);
    }
    Future<Void> chain = Future.succeededFuture();
    for (int u = 0; u < UNITS.length; u++) {
      long unit = UNITS[u];
      int index = u;
      Map<String, TreeMap<Long, RollupBucket>> delta = new TreeMap<>();
      for (Sample s : fresh) {
        long start = RollupPlan.floor(s.timestamp(), unit);
        delta.computeIfAbsent(s.channelId(), c -> new TreeMap<>())
            .computeIfAbsent(start, RollupBucket::new).add(s);
      }
      chain = chain.compose(v -> updateTable(conn, unit, delta, before)).map(v -> {
        delta.forEach((channel, buckets) -> {
          Long last = before.lastSampleAt(channel);
          long at = last == null ? newestAt.get(channel) : Math.max(last, newestAt.get(channel));
          newest.computeIfAbsent(channel, c -> new RollupBucket[UNITS.length])[index] =
              buckets.get(RollupPlan.floor(at, unit));
        });
        return null;
      });
    }
    return chain.map(newest);
  }

  private static Future<Void> updateTable(SqlConnection conn, long unit, Map<String, TreeMap<Long, RollupBucket>> delta,
      Before before) {
    String table = RollupSql.table(unit);
    // Read the existing buckets in chunks of at most CHUNK keys, merge the new samples into them.
    Future<Void> chain = Future.succeededFuture();
    List<Integer> shape = new ArrayList<>();
    List<Object> params = new ArrayList<>();
    int keys = 0;
    for (Map.Entry<String, TreeMap<Long, RollupBucket>> e : delta.entrySet()) {
      Long last = before.lastSampleAt(e.getKey());
      if (last == null) {
        continue;
      }
      List<Long> starts = new ArrayList<>();
      for (Map.Entry<Long, RollupBucket> b : e.getValue().headMap(last, true).entrySet()) {
        RollupBucket known = before.known(e.getKey(), unit, b.getKey());
        if (known != null) {
          b.getValue().merge(known);
        } else {
          starts.add(b.getKey());
        }
      }
      for (int from = 0; from < starts.size(); from += RollupSql.CHUNK) {
        List<Long> part = starts.subList(from, Math.min(starts.size(), from + RollupSql.CHUNK));
        if (keys + part.size() > RollupSql.CHUNK && !shape.isEmpty()) {
          chain = mergeExisting(conn, chain, table, List.copyOf(shape), List.copyOf(params), delta);
          shape.clear();
          params.clear();
          keys = 0;
        }
        shape.add(part.size());
        params.add(e.getKey());
        params.addAll(part);
        keys += part.size();
      }
    }
    if (!shape.isEmpty()) {
      chain = mergeExisting(conn, chain, table, shape, params, delta);
    }
    return chain.compose(v -> write(conn, table, delta, true));
  }

  private static Future<Void> mergeExisting(SqlConnection conn, Future<Void> after, String table, List<Integer> shape,
      List<Object> params, Map<String, TreeMap<Long, RollupBucket>> delta) {
    return after.compose(v -> conn.preparedQuery(RollupSql.existing(table, shape)).execute(Tuple.from(params))
        .map(rows -> {
          for (Row r : rows) {
            RollupBucket stored = bucket(r);
            delta.get(r.getString("channel_id")).get(stored.start()).merge(stored);
          }
          return null;
        }));
  }

  private static Future<Void> write(SqlConnection conn, String table, Map<String, TreeMap<Long, RollupBucket>> buckets,
      boolean upsert) {
    List<Object> params = new ArrayList<>();
    List<List<Object>> chunks = new ArrayList<>();
    int rows = 0;
    for (Map.Entry<String, TreeMap<Long, RollupBucket>> e : buckets.entrySet()) {
      for (RollupBucket b : e.getValue().values()) {
        addRow(params, e.getKey(), b);
        if (++rows == RollupSql.CHUNK) {
          chunks.add(new ArrayList<>(params));
          params.clear();
          rows = 0;
        }
      }
    }
    if (rows > 0) {
      chunks.add(new ArrayList<>(params));
    }
    Future<Void> chain = Future.succeededFuture();
    for (List<Object> chunk : chunks) {
      int n = chunk.size() / 9;
      String sql = upsert ? RollupSql.upsert(table, n) : RollupSql.insert(table, n);
      chain = chain.compose(v -> conn.preparedQuery(sql).execute(Tuple.from(chunk)).mapEmpty());
    }
    return chain;
  }

  private static void addRow(List<Object> params, String channelId, RollupBucket b) {
    params.add(channelId);
    params.add(b.start());
    params.add(b.total());
    params.add(b.ok());
    params.add(b.latencyCount());
    params.add(b.latencySum());
    params.add(b.latencyMin());
    params.add(b.latencyMax());
    params.add(Buffer.buffer(b.histogramBytes()));
  }

  private static RollupBucket bucket(Row r) {
    Buffer h = r.getBuffer("histogram");
    return RollupBucket.of(r.getLong("bucket_start"), r.getLong("total"), r.getLong("ok"), r.getLong("latency_count"),
        r.getLong("latency_sum"), r.getLong("latency_min"), r.getLong("latency_max"),
        h == null ? new byte[] {0} : h.getBytes());
  }

  // ---- reads ---------------------------------------------------------------------------------

  /**
   * The window {@code [from, to)} of one channel ({@code channelId} given) or of every channel
   * (null), per channel, following {@link RollupPlan}. Run it in a transaction for one snapshot.
   */
  static Future<Map<String, RollupBucket>> window(SqlConnection conn, String channelId, long from, long to) {
    Map<String, RollupBucket> out = new HashMap<>();
    if (from >= to) {
      return Future.succeededFuture(out);
    }
    return conn.preparedQuery(RollupSql.RAW_FLOOR).execute(Tuple.of(Long.MIN_VALUE)).compose(rows -> {
      long rawFloor = rows.iterator().next().getLong("raw_cutoff");
      RollupPlan plan = RollupPlan.of(from, to, rawFloor, true);
      return buckets(conn, RollupSql.HOURS, channelId, plan.hours(), out)
          .compose(v -> buckets(conn, RollupSql.MINUTES, channelId, plan.minutes(), out))
          .compose(v -> raw(conn, channelId, plan.raw(), out))
          .map(out);
    });
  }

  private static Tuple rangeParams(String channelId, List<long[]> ranges) {
    List<Object> params = new ArrayList<>(ranges.size() * 2 + 1);
    if (channelId != null) {
      params.add(channelId);
    }
    for (long[] r : ranges) {
      params.add(r[0]);
      params.add(r[1]);
    }
    return Tuple.from(params);
  }

  private static Future<Void> buckets(SqlConnection conn, String table, String channelId, List<long[]> ranges,
      Map<String, RollupBucket> out) {
    if (ranges.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(RollupSql.buckets(table, channelId != null, ranges.size()))
        .execute(rangeParams(channelId, ranges)).map(rows -> {
          for (Row r : rows) {
            out.computeIfAbsent(r.getString("channel_id"), c -> RollupBucket.accumulator()).merge(bucket(r));
          }
          return null;
        });
  }

  private static Future<Void> raw(SqlConnection conn, String channelId, List<long[]> ranges,
      Map<String, RollupBucket> out) {
    if (ranges.isEmpty()) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(RollupSql.raw(channelId != null, ranges.size()))
        .execute(rangeParams(channelId, ranges)).map(rows -> {
          for (Row r : rows) {
            out.computeIfAbsent(r.getString("channel_id"), c -> RollupBucket.accumulator())
                .add(r.getBoolean("success"), r.getLong("latency_ms"));
          }
          return null;
        });
  }

  // ---- retention and deletion ----------------------------------------------------------------

  /** Raises the raw floor, then deletes old buckets; returns the hour buckets deleted. */
  static Future<Long> retention(Pool pool, long cutoff, long rollupCutoff) {
    return pool.preparedQuery(RollupSql.RAISE_RAW_FLOOR).execute(Tuple.of(cutoff))
        .compose(v -> deleteOlder(pool, RollupSql.MINUTES, cutoff, 0))
        .compose(v -> deleteOlder(pool, RollupSql.HOURS, rollupCutoff, 0));
  }

  private static Future<Long> deleteOlder(Pool pool, String table, long cutoff, long removed) {
    return pool.preparedQuery(RollupSql.deleteOlder(table)).execute(Tuple.of(cutoff)).compose(rows -> {
      long total = removed + rows.rowCount();
      return rows.rowCount() < SqlQueries.RETENTION_BATCH ? Future.succeededFuture(total)
          : deleteOlder(pool, table, cutoff, total);
    });
  }

  static Future<Void> deleteChannel(SqlConnection conn, String channelId) {
    return conn.preparedQuery(RollupSql.deleteChannel(RollupSql.MINUTES)).execute(Tuple.of(channelId))
        .compose(v -> conn.preparedQuery(RollupSql.deleteChannel(RollupSql.HOURS)).execute(Tuple.of(channelId)))
        .mapEmpty();
  }

  // ---- backfill ------------------------------------------------------------------------------

  /**
   * Builds the rollups of every stored sample (migration 3 on a database that already has
   * samples). It starts by emptying both tables, so a backfill interrupted before the version row
   * was written simply runs again. One channel at a time: its samples are paged through the
   * channel-time index, its buckets built in memory and inserted.
   */
  static Future<Void> backfill(SqlConnection conn) {
    return conn.query(RollupSql.clear(RollupSql.MINUTES)).execute()
        .compose(v -> conn.query(RollupSql.clear(RollupSql.HOURS)).execute())
        .compose(v -> conn.query(RollupSql.BACKFILL_CHANNELS).execute())
        .compose(rows -> {
          Future<Void> chain = Future.succeededFuture();
          for (Row r : rows) {
            String channel = r.getString("channel_id");
            chain = chain.compose(v -> backfillChannel(conn, channel));
          }
          return chain;
        });
  }

  private static Future<Void> backfillChannel(SqlConnection conn, String channel) {
    Map<String, TreeMap<Long, RollupBucket>> minutes = Map.of(channel, new TreeMap<>());
    Map<String, TreeMap<Long, RollupBucket>> hours = Map.of(channel, new TreeMap<>());
    return page(conn, channel, Long.MIN_VALUE, "", minutes.get(channel), hours.get(channel))
        .compose(v -> write(conn, RollupSql.MINUTES, minutes, false))
        .compose(v -> write(conn, RollupSql.HOURS, hours, false));
  }

  private static Future<Void> page(SqlConnection conn, String channel, long afterTs, String afterProbe,
      TreeMap<Long, RollupBucket> minutes, TreeMap<Long, RollupBucket> hours) {
    return conn.preparedQuery(RollupSql.BACKFILL_PAGE).execute(Tuple.of(channel, afterTs, afterTs, afterProbe))
        .compose(rows -> {
          long lastTs = afterTs;
          String lastProbe = afterProbe;
          for (Row r : rows) {
            lastTs = r.getLong("timestamp");
            lastProbe = r.getString("probe_id");
            boolean success = r.getBoolean("success");
            Long latency = r.getLong("latency_ms");
            minutes.computeIfAbsent(RollupPlan.floor(lastTs, RollupPlan.MINUTE), RollupBucket::new).add(success, latency);
            hours.computeIfAbsent(RollupPlan.floor(lastTs, RollupPlan.HOUR), RollupBucket::new).add(success, latency);
          }
          return rows.size() < RollupSql.BACKFILL_PAGE_SIZE ? Future.succeededFuture()
              : page(conn, channel, lastTs, lastProbe, minutes, hours);
        });
  }
}
