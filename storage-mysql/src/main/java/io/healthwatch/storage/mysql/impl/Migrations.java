package io.healthwatch.storage.mysql.impl;

import io.healthwatch.core.storage.StorageException;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.function.Function;

/**
 * Brings the schema up to date at start. Each migration is applied once, in order, and recorded in
 * {@code schema_version}. The whole step runs on one connection holding the named lock {@code
 * healthwatch_migrate}, so servers that start together migrate one after the other; the later
 * ones find nothing to do. DDL commits by itself in MySQL, so every step is also safe to repeat
 * after a crash between a step and the version row.
 */
public final class Migrations {
  private static final int LOCK_WAIT_SECONDS = 30;

  /** One schema version: its statements and, for a step that cannot say IF NOT EXISTS, what to check first. */
  record Migration(int version, String description, List<Step> steps) {}

  /**
   * A statement, skipped when {@code existsQuery} (two parameters, {@code table} and {@code name})
   * finds what it would create; or an action done in Java.
   */
  record Step(String sql, String existsQuery, String table, String name, Function<SqlConnection, Future<Void>> action) {
    static Step always(String sql) {
      return new Step(sql, null, null, null, null);
    }

    /** {@code ALTER TABLE ... ADD KEY}, skipped when the index is there. */
    static Step addIndex(String sql, String table, String index) {
      return new Step(sql, SqlQueries.INDEX_EXISTS, table, index, null);
    }

    /** {@code ALTER TABLE ... ADD COLUMN}, skipped when the column is there (MySQL 8 has no IF NOT EXISTS for it). */
    static Step addColumn(String sql, String table, String column) {
      return new Step(sql, SqlQueries.COLUMN_EXISTS, table, column, null);
    }

    /** A step done in Java on the migration connection (it must be safe to repeat). */
    static Step run(Function<SqlConnection, Future<Void>> action) {
      return new Step(null, null, null, null, action);
    }
  }

  static final List<Migration> ALL = List.of(
      new Migration(1, "samples, channel states, outages, custom values",
          SqlQueries.V1.stream().map(Step::always).toList()),
      new Migration(2, "watch sessions; time index on samples",
          List.of(Step.always(SqlQueries.V2_WATCH_SESSIONS),
              Step.addIndex(SqlQueries.V2_SAMPLES_TIME_INDEX, "health_samples", "idx_samples_time"))),
      // ---- rollups (RollupSql, MySqlRollups) ----
      new Migration(3, "minute and hour rollups; rollups of the stored samples",
          java.util.stream.Stream.concat(RollupSql.V3.stream().map(Step::always),
              java.util.stream.Stream.of(Step.run(MySqlRollups::backfill))).toList()),
      new Migration(4, "audit log", List.of(Step.always(SqlQueries.V4_AUDIT_LOG))),
      new Migration(5, "write token of channel rows (rollup buckets remembered between batches)",
          List.of(Step.addColumn(SqlQueries.V5_WRITE_TOKEN, "channel_states", "write_token"))),
      new Migration(6, "samples clustered by channel and time (primary key channel_id, timestamp, probe_id)",
          List.of(Step.run(Migrations::clusterSamples))));

  /** The version a fully migrated database has. */
  public static final int LATEST = 6;

  /** {@link SqlQueries#V6_CLUSTER_SAMPLES}, skipped once the id column is gone (a repeated migration 6). */
  private static Future<Void> clusterSamples(SqlConnection conn) {
    return conn.preparedQuery(SqlQueries.COLUMN_EXISTS).execute(Tuple.of("health_samples", "id"))
        .compose(rows -> rows.iterator().next().getLong("found") == 0 ? Future.succeededFuture()
            : conn.query(SqlQueries.V6_CLUSTER_SAMPLES).execute().mapEmpty());
  }

  /** The versions a fully migrated database has recorded, ascending (there may be gaps). */
  public static List<Integer> versions() {
    return ALL.stream().map(Migration::version).toList();
  }

  private Migrations() {}

  /** Applies every missing migration up to the latest. */
  public static Future<Integer> run(Pool pool, long now) {
    return run(pool, LATEST, now);
  }

  /** Applies every missing migration up to {@code target} (tests create older schemas with it). */
  public static Future<Integer> run(Pool pool, int target, long now) {
    return pool.getConnection().compose(conn -> conn.preparedQuery(SqlQueries.MIGRATION_LOCK)
        .execute(Tuple.of(LOCK_WAIT_SECONDS))
        .compose(rows -> {
          Number granted = (Number) rows.iterator().next().getValue("granted");
          if (granted == null || granted.intValue() != 1) {
            return Future.failedFuture(StorageException.unavailable(
                "another server held the schema migration lock for " + LOCK_WAIT_SECONDS + " s", null));
          }
          return migrateLocked(conn, target, now)
              .eventually(() -> conn.query(SqlQueries.MIGRATION_UNLOCK).execute());
        })
        .eventually(conn::close));
  }

  private static Future<Integer> migrateLocked(SqlConnection conn, int target, long now) {
    return conn.query(SqlQueries.CREATE_SCHEMA_VERSION).execute()
        .compose(v -> conn.query(SqlQueries.APPLIED_VERSIONS).execute())
        .compose(rows -> {
          java.util.Set<Integer> applied = new java.util.HashSet<>();
          rows.forEach(r -> applied.add(r.getInteger("version")));
          int current = applied.stream().mapToInt(Integer::intValue).max().orElse(0);
          if (current > LATEST) {
            return Future.failedFuture(StorageException.unavailable("the database schema is at version " + current
                + ", newer than this server knows (" + LATEST + "); upgrade the server", null));
          }
          // Every missing version is applied, also one below the highest recorded (versions made on
          // separate branches may arrive out of order); each step is safe to repeat.
          Future<Integer> chain = Future.succeededFuture(current);
          for (Migration m : ALL) {
            if (!applied.contains(m.version()) && m.version() <= target) {
              chain = chain.compose(v -> apply(conn, m, now).map(Math.max(v, m.version())));
            }
          }
          return chain;
        });
  }

  private static Future<Integer> apply(SqlConnection conn, Migration m, long now) {
    Future<Void> chain = Future.succeededFuture();
    for (Step step : m.steps()) {
      chain = chain.compose(v -> applyStep(conn, step));
    }
    return chain
        .compose(v -> conn.preparedQuery(SqlQueries.RECORD_VERSION).execute(Tuple.of(m.version(), m.description(), now)))
        .map(m.version());
  }

  private static Future<Void> applyStep(SqlConnection conn, Step step) {
    if (step.action() != null) {
      return step.action().apply(conn);
    }
    if (step.existsQuery() == null) {
      return conn.query(step.sql()).execute().mapEmpty();
    }
    return conn.preparedQuery(step.existsQuery()).execute(Tuple.of(step.table(), step.name()))
        .compose(rows -> rows.iterator().next().getLong("found") > 0
            ? Future.succeededFuture()
            : conn.query(step.sql()).execute().mapEmpty());
  }
}
