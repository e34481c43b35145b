package io.healthwatch.storage.mysql.impl;

import io.healthwatch.core.rules.RollupPlan;
import java.util.Collections;
import java.util.List;

/**
 * The SQL of the rollup tables (schema version 3), kept apart from {@link SqlQueries}. Both tables
 * have the same shape: one row per channel and minute or hour ({@code bucket_start}, epoch ms),
 * with the counts, the latency sum, minimum and maximum, and the latency histogram encoded by
 * {@code RollupBucket.histogramBytes()}.
 */
public final class RollupSql {
  private RollupSql() {}

  public static final String MINUTES = "rollup_minute";
  public static final String HOURS = "rollup_hour";
  static final int CHUNK = 400;

  static final String COLUMNS =
      "channel_id, bucket_start, total, ok, latency_count, latency_sum, latency_min, latency_max, histogram";

  public static String table(long unit) {
    return unit == RollupPlan.HOUR ? HOURS : MINUTES;
  }

  private static String createTable(String name) {
    return "CREATE TABLE IF NOT EXISTS " + name + " ("
        + " channel_id VARCHAR(128) NOT NULL,"
        + " bucket_start BIGINT NOT NULL,"
        + " total BIGINT NOT NULL,"
        + " ok BIGINT NOT NULL,"
        + " latency_count BIGINT NOT NULL,"
        + " latency_sum BIGINT NOT NULL,"
        + " latency_min BIGINT NULL,"
        + " latency_max BIGINT NULL,"
        + " histogram BLOB NOT NULL,"
        + " PRIMARY KEY (channel_id, bucket_start),"
        + " KEY idx_" + name + "_start (bucket_start))"
        + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  }

  /** v3: the two rollup tables and the raw-retention floor. */
  static final List<String> V3 = List.of(createTable(MINUTES), createTable(HOURS),
      "CREATE TABLE IF NOT EXISTS rollup_retention (id TINYINT NOT NULL, raw_cutoff BIGINT NOT NULL,"
          + " PRIMARY KEY (id)) ENGINE=InnoDB");

  /** The statements of {@link #V3}, for tests that build a half-migrated database. */
  public static final List<String> V3_FOR_TESTS = V3;

  /** The newest raw-sample retention cutoff; the parameter is the answer when none was applied. */
  public static final String RAW_FLOOR = "SELECT COALESCE(MAX(raw_cutoff), ?) AS raw_cutoff FROM rollup_retention";
  /** The raw floor as a scalar subquery, {@link Long#MIN_VALUE} before any retention ran. */
  static final String RAW_FLOOR_OR_MIN =
      "SELECT COALESCE(MAX(raw_cutoff), " + Long.MIN_VALUE + ") FROM rollup_retention";

  static final String RAISE_RAW_FLOOR = "INSERT INTO rollup_retention (id, raw_cutoff) VALUES (1, ?)"
      + " ON DUPLICATE KEY UPDATE raw_cutoff = GREATEST(raw_cutoff, VALUES(raw_cutoff))";

  /** Existing buckets: one {@code (channel_id = ? AND bucket_start IN (...))} term per channel. */
  public static String existing(String table, List<Integer> startsPerChannel) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM " + table + " WHERE ");
    for (int i = 0; i < startsPerChannel.size(); i++) {
      sql.append(i == 0 ? "" : " OR ").append("(channel_id = ? AND bucket_start IN (")
          .append(placeholders(startsPerChannel.get(i))).append("))");
    }
    return sql.toString();
  }

  /** Writes whole buckets (merged in Java under the channel's row lock); 9 parameters per row. */
  public static String upsert(String table, int rows) {
    return "INSERT INTO " + table + " (" + COLUMNS + ") VALUES "
        + String.join(", ", Collections.nCopies(rows, "(?, ?, ?, ?, ?, ?, ?, ?, ?)"))
        + " ON DUPLICATE KEY UPDATE total = VALUES(total), ok = VALUES(ok), latency_count = VALUES(latency_count),"
        + " latency_sum = VALUES(latency_sum), latency_min = VALUES(latency_min), latency_max = VALUES(latency_max),"
        + " histogram = VALUES(histogram)";
  }

  /** Buckets whose start lies in one of {@code ranges} (two parameters each), of one channel or all. */
  public static String buckets(String table, boolean oneChannel, int ranges) {
    return "SELECT " + COLUMNS + " FROM " + table + (oneChannel ? " WHERE channel_id = ? AND (" : " WHERE (")
        + String.join(" OR ", Collections.nCopies(ranges, "(bucket_start >= ? AND bucket_start < ?)")) + ")";
  }

  /** Raw samples in one of {@code ranges}, of one channel (channel-time index) or all (time index). */
  public static String raw(boolean oneChannel, int ranges) {
    return "SELECT channel_id, success, latency_ms FROM health_samples"
        + (oneChannel ? " FORCE INDEX (PRIMARY) WHERE channel_id = ? AND (" : " WHERE (")
        + String.join(" OR ", Collections.nCopies(ranges, "(timestamp >= ? AND timestamp < ?)")) + ")";
  }

  public static String deleteOlder(String table) {
    return "DELETE FROM " + table + " WHERE bucket_start < ? ORDER BY bucket_start LIMIT " + SqlQueries.RETENTION_BATCH;
  }

  public static String deleteChannel(String table) {
    return "DELETE FROM " + table + " WHERE channel_id = ?";
  }

  // ---- backfill (migration 3 on a database that has samples) ---------------------------------

  public static String clear(String table) {
    return "DELETE FROM " + table;
  }

  static final String BACKFILL_CHANNELS = "SELECT channel_id FROM channel_states ORDER BY channel_id";

  static final int BACKFILL_PAGE_SIZE = 5_000;

  /** One page of a channel's samples after (timestamp, probe_id), in index order. */
  public static final String BACKFILL_PAGE = "SELECT timestamp, probe_id, success, latency_ms FROM health_samples"
      // no index named: it runs in migration 3, before and (when repeated) after migration 6
      + " WHERE channel_id = ? AND (timestamp > ? OR (timestamp = ? AND probe_id > ?))"
      + " ORDER BY timestamp, probe_id LIMIT " + BACKFILL_PAGE_SIZE;

  public static String insert(String table, int rows) {
    return "INSERT INTO " + table + " (" + COLUMNS + ") VALUES "
        + String.join(", ", Collections.nCopies(rows, "(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  }

  private static String placeholders(int count) {
    return String.join(", ", Collections.nCopies(count, "?"));
  }
}
