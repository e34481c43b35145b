package io.healthwatch.storage.mysql.impl;

import java.util.Collections;
import java.util.List;

/**
 * Every SQL statement of the MySQL backend. Values are always bound as {@code ?} parameters; the
 * only text built at run time is the number of placeholders of a multi-row statement. The SQL is
 * the common ground of MySQL 8 and MariaDB 10.6.
 */
public final class SqlQueries {
  private SqlQueries() {}

  private static final String TABLE_OPTIONS = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
  private static final String REASONS = "ENUM('timeout','dns','tcp','tls','http','script')";

  // ---- migrations ----------------------------------------------------------------------------

  public static final String MIGRATION_LOCK = "SELECT GET_LOCK('healthwatch_migrate', ?) AS granted";
  public static final String MIGRATION_UNLOCK = "SELECT RELEASE_LOCK('healthwatch_migrate')";

  public static final String CREATE_SCHEMA_VERSION = "CREATE TABLE IF NOT EXISTS schema_version ("
      + " version INT NOT NULL,"
      + " description VARCHAR(200) NOT NULL,"
      + " applied_at BIGINT NOT NULL,"
      + " PRIMARY KEY (version))" + TABLE_OPTIONS;

  public static final String SCHEMA_VERSION = "SELECT COALESCE(MAX(version), 0) AS version FROM schema_version";
  public static final String APPLIED_VERSIONS = "SELECT version FROM schema_version";

  public static final String RECORD_VERSION =
      "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)";

  public static final String INDEX_EXISTS = "SELECT COUNT(*) AS found FROM information_schema.STATISTICS"
      + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?";
  public static final String COLUMN_EXISTS = "SELECT COUNT(*) AS found FROM information_schema.COLUMNS"
      + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = ?";

  /**
   * v5: a random token each ingest writes into the rows of its channels, so a store knows whether
   * the rollup buckets it remembers from its own last write of a channel are still what is stored.
   */
  /**
   * v6: the samples clustered by channel and time. The primary key was an auto-increment id, so a
   * channel's window was a range of the channel-time index and then one row lookup per sample,
   * spread over the whole table (p50 8 ms for 1,000 samples among 10 million); clustered by
   * {@code (channel_id, timestamp, probe_id)} it is one range read. The channel-time index is that
   * key now and goes; the unique key on the identity stays. The ALTER rebuilds the table.
   */
  public static final String V6_CLUSTER_SAMPLES = "ALTER TABLE health_samples DROP COLUMN id,"
      + " DROP INDEX idx_samples_channel_time, ADD PRIMARY KEY (channel_id, timestamp, probe_id)";

  public static final String V5_WRITE_TOKEN =
      "ALTER TABLE channel_states ADD COLUMN write_token BIGINT NOT NULL DEFAULT 0";

  /** v1: samples, channel states, outages, custom values. */
  public static final List<String> V1 = List.of(
      "CREATE TABLE IF NOT EXISTS health_samples ("
          + " id BIGINT NOT NULL AUTO_INCREMENT,"
          + " channel_id VARCHAR(128) NOT NULL,"
          + " probe_id VARCHAR(128) NOT NULL,"
          + " timestamp BIGINT NOT NULL,"
          + " success BOOLEAN NOT NULL,"
          + " latency_ms BIGINT NULL,"
          + " reason " + REASONS + " NULL,"
          + " note TEXT NULL,"
          + " PRIMARY KEY (id),"
          + " UNIQUE KEY uq_samples_identity (channel_id, probe_id, timestamp),"
          // (channel_id, timestamp) with the probe id last, so ties come out in order from the index.
          + " KEY idx_samples_channel_time (channel_id, timestamp, probe_id))" + TABLE_OPTIONS,
      "CREATE TABLE IF NOT EXISTS channel_states ("
          + " channel_id VARCHAR(128) NOT NULL,"
          + " state ENUM('unknown','online','offline') NOT NULL DEFAULT 'unknown',"
          + " last_sample_at BIGINT NULL,"
          + " last_sample_success BOOLEAN NULL,"
          + " last_latency_ms BIGINT NULL,"
          + " consecutive_failures INT NOT NULL DEFAULT 0,"
          + " last_state_change_at BIGINT NULL,"
          + " sample_count BIGINT NOT NULL DEFAULT 0,"
          + " open_outage_id CHAR(26) NULL,"
          + " failure_streak_started_at BIGINT NULL,"
          + " failure_streak_reason " + REASONS + " NULL,"
          + " PRIMARY KEY (channel_id))" + TABLE_OPTIONS,
      "CREATE TABLE IF NOT EXISTS outages ("
          + " id CHAR(26) NOT NULL,"
          + " channel_id VARCHAR(128) NOT NULL,"
          + " first_failure_at BIGINT NOT NULL,"
          + " confirmed_at BIGINT NOT NULL,"
          + " recovered_at BIGINT NULL,"
          + " actual_duration BIGINT NULL,"
          + " failure_count INT NOT NULL,"
          + " reason " + REASONS + " NULL,"
          + " PRIMARY KEY (id),"
          + " KEY idx_outages_channel_first (channel_id, first_failure_at),"
          + " KEY idx_outages_first (first_failure_at),"
          + " KEY idx_outages_confirmed (confirmed_at))" + TABLE_OPTIONS,
      "CREATE TABLE IF NOT EXISTS custom_data ("
          + " custom_key VARCHAR(128) NOT NULL,"
          + " value_json LONGTEXT NOT NULL,"
          + " updated_at BIGINT NOT NULL,"
          + " PRIMARY KEY (custom_key))" + TABLE_OPTIONS);

  /** v2: watch sessions, and the time index retention deletes by. */
  public static final String V2_WATCH_SESSIONS = "CREATE TABLE IF NOT EXISTS watch_sessions ("
      + " id CHAR(26) NOT NULL,"
      + " started_at BIGINT NOT NULL,"
      + " ends_at BIGINT NOT NULL,"
      + " ended_at BIGINT NULL,"
      + " channels TEXT NOT NULL,"
      + " stats MEDIUMTEXT NULL,"
      // 1 while the watch is active, NULL once archived: the unique key allows one active watch.
      + " active_guard TINYINT NULL,"
      + " PRIMARY KEY (id),"
      + " UNIQUE KEY uq_watch_active (active_guard),"
      + " KEY idx_watch_started (started_at))" + TABLE_OPTIONS;
  public static final String V2_SAMPLES_TIME_INDEX = "ALTER TABLE health_samples ADD KEY idx_samples_time (timestamp)";

  // ---- samples -------------------------------------------------------------------------------

  private static final String SAMPLE_COLUMNS = "channel_id, timestamp, success, latency_ms, reason, note, probe_id";

  /** {@code rows} samples; 7 parameters each, in {@link #SAMPLE_COLUMNS} order. */
  public static String insertSamples(int rows) {
    return "INSERT IGNORE INTO health_samples (" + SAMPLE_COLUMNS + ") VALUES "
        + String.join(", ", Collections.nCopies(rows, "(?, ?, ?, ?, ?, ?, ?)"));
  }

  /**
   * Which of the given timestamps are stored, per channel: one {@code (channel_id = ? AND timestamp
   * IN (...))} term per entry of {@code timestampsPerChannel}, each a range of the channel-time index.
   */
  public static String existingIdentities(List<Integer> timestampsPerChannel) {
    StringBuilder sql = new StringBuilder("SELECT channel_id, probe_id, timestamp FROM health_samples WHERE ");
    for (int i = 0; i < timestampsPerChannel.size(); i++) {
      sql.append(i == 0 ? "" : " OR ").append("(channel_id = ? AND timestamp IN (")
          .append(placeholders(timestampsPerChannel.get(i))).append("))");
    }
    return sql.toString();
  }

  public static final String WINDOW_DESC = "SELECT " + SAMPLE_COLUMNS
      + " FROM health_samples FORCE INDEX (PRIMARY)"
      + " WHERE channel_id = ? AND timestamp >= ? AND timestamp < ?"
      + " ORDER BY timestamp DESC, probe_id DESC LIMIT ?";

  public static final String WINDOW_ASC = "SELECT " + SAMPLE_COLUMNS
      + " FROM health_samples FORCE INDEX (PRIMARY)"
      + " WHERE channel_id = ? AND timestamp >= ? AND timestamp < ?"
      + " ORDER BY timestamp ASC, probe_id ASC LIMIT ?";

  public static final String DELETE_CHANNEL_SAMPLES = "DELETE FROM health_samples WHERE channel_id = ?";

  public static final int RETENTION_BATCH = 1_000;
  public static final String DELETE_OLD_SAMPLES =
      "DELETE FROM health_samples WHERE timestamp < ? ORDER BY timestamp LIMIT " + RETENTION_BATCH;

  // ---- channel states ------------------------------------------------------------------------

  private static final String STATE_COLUMNS = "channel_id, state, last_sample_at, last_sample_success,"
      + " last_latency_ms, consecutive_failures, last_state_change_at, sample_count, open_outage_id,"
      + " failure_streak_started_at, failure_streak_reason";

  /**
   * Makes sure a row exists for each of {@code rows} channels and locks it: a duplicate key in an
   * INSERT ... ON DUPLICATE KEY UPDATE takes an exclusive lock on the existing row.
   */
  public static String ensureChannelRows(int rows) {
    return "INSERT INTO channel_states (channel_id) VALUES "
        + String.join(", ", Collections.nCopies(rows, "(?)"))
        + " ON DUPLICATE KEY UPDATE channel_id = channel_id";
  }

  /**
   * Locks the rows of {@code rows} channels, in channel-id order, through the primary key (a scan
   * would lock every row it passes); besides the state, each row's
   * {@code write_token} and the raw floor of the rollups ({@code raw_floor}, below which retention
   * deletes minute buckets).
   */
  public static String lockChannelStates(int rows) {
    return "SELECT " + STATE_COLUMNS + ", write_token, (" + RollupSql.RAW_FLOOR_OR_MIN + ") AS raw_floor"
        + " FROM channel_states FORCE INDEX (PRIMARY) WHERE channel_id IN (" + placeholders(rows) + ")"
        + " ORDER BY channel_id FOR UPDATE";
  }

  /**
   * Writes the whole rows of {@code rows} locked channels with their new write tokens, in one
   * statement: per channel its {@link Rows#stateValues} after its id, then its token. An upsert
   * rather than an {@code UPDATE ... WHERE channel_id IN (...)}: each row is reached through the
   * primary key, where such an UPDATE over many channels may scan, and lock, the whole table.
   */
  public static String writeStates(int rows) {
    return "INSERT INTO channel_states (" + STATE_COLUMNS + ", write_token) VALUES "
        + String.join(", ", Collections.nCopies(rows, "(" + placeholders(12) + ")"))
        + " ON DUPLICATE KEY UPDATE " + STATE_ASSIGNMENTS + ", write_token = VALUES(write_token)";
  }

  /** Every state column but the id set from the row's VALUES, for the upserts of state rows. */
  private static final String STATE_ASSIGNMENTS = "state = VALUES(state), last_sample_at = VALUES(last_sample_at),"
      + " last_sample_success = VALUES(last_sample_success), last_latency_ms = VALUES(last_latency_ms),"
      + " consecutive_failures = VALUES(consecutive_failures), last_state_change_at = VALUES(last_state_change_at),"
      + " sample_count = VALUES(sample_count), open_outage_id = VALUES(open_outage_id),"
      + " failure_streak_started_at = VALUES(failure_streak_started_at),"
      + " failure_streak_reason = VALUES(failure_streak_reason)";

  /** A whole state row, inserted or replacing the channel's (restore); its write token becomes 0. */
  public static final String UPSERT_STATE = "INSERT INTO channel_states (" + STATE_COLUMNS + ") VALUES ("
      + placeholders(11) + ") ON DUPLICATE KEY UPDATE " + STATE_ASSIGNMENTS + ", write_token = 0";

  /** Marks the channels' remembered rollup buckets stale (a restore merged into their buckets). */
  public static String clearWriteTokens(int rows) {
    return "UPDATE channel_states SET write_token = 0 WHERE channel_id IN (" + placeholders(rows) + ")";
  }

  /** Rows with sample_count 0 are lock placeholders of a channel that has no sample yet. */
  public static final String ALL_STATES =
      "SELECT " + STATE_COLUMNS + " FROM channel_states WHERE sample_count > 0 ORDER BY channel_id";
  public static final String ONE_STATE =
      "SELECT " + STATE_COLUMNS + " FROM channel_states WHERE channel_id = ? AND sample_count > 0";
  public static final String LOCK_ONE_STATE =
      "SELECT sample_count FROM channel_states WHERE channel_id = ? FOR UPDATE";
  public static final String DELETE_STATE = "DELETE FROM channel_states WHERE channel_id = ?";
  public static final String CHANNEL_IDS =
      "SELECT channel_id FROM channel_states WHERE sample_count > 0 ORDER BY channel_id";

  // ---- outages -------------------------------------------------------------------------------

  private static final String OUTAGE_COLUMNS = "id, channel_id, first_failure_at, confirmed_at, recovered_at,"
      + " actual_duration, failure_count, reason";

  public static String lockOutages(int rows) {
    return "SELECT " + OUTAGE_COLUMNS + " FROM outages WHERE id IN (" + placeholders(rows) + ") FOR UPDATE";
  }

  public static final String INSERT_OUTAGE = "INSERT INTO outages (" + OUTAGE_COLUMNS
      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
  public static final String UPDATE_OUTAGE = "UPDATE outages SET recovered_at = ?, actual_duration = ?,"
      + " failure_count = ? WHERE id = ?";
  /** An outage with its id, inserted or replacing the one of the same id (restore). */
  public static final String UPSERT_OUTAGE = INSERT_OUTAGE + " ON DUPLICATE KEY UPDATE channel_id = VALUES(channel_id),"
      + " first_failure_at = VALUES(first_failure_at), confirmed_at = VALUES(confirmed_at),"
      + " recovered_at = VALUES(recovered_at), actual_duration = VALUES(actual_duration),"
      + " failure_count = VALUES(failure_count), reason = VALUES(reason)";
  public static final String ONE_OUTAGE = "SELECT " + OUTAGE_COLUMNS + " FROM outages WHERE id = ?";
  public static final String DELETE_CHANNEL_OUTAGES = "DELETE FROM outages WHERE channel_id = ?";

  /**
   * Outages newest first. Parameters: [channel_id], from, to, limit. Only fixed text depends on the
   * arguments.
   */
  public static String outages(boolean byChannel, Boolean open) {
    StringBuilder sql = new StringBuilder("SELECT ").append(OUTAGE_COLUMNS).append(" FROM outages WHERE ");
    if (byChannel) {
      sql.append("channel_id = ? AND ");
    }
    sql.append("first_failure_at >= ? AND first_failure_at < ?");
    if (open != null) {
      sql.append(open ? " AND recovered_at IS NULL" : " AND recovered_at IS NOT NULL");
    }
    return sql.append(" ORDER BY first_failure_at DESC, id DESC LIMIT ?").toString();
  }

  /** Outages confirmed in a time range, per channel (a watch). */
  public static final String OUTAGES_CONFIRMED_PER_CHANNEL = "SELECT channel_id, COUNT(*) AS outages"
      + " FROM outages WHERE confirmed_at >= ? AND confirmed_at < ? GROUP BY channel_id";

  // ---- watches -------------------------------------------------------------------------------

  private static final String WATCH_COLUMNS = "id, started_at, ends_at, ended_at, channels, stats";

  public static final String ACTIVE_WATCH = "SELECT " + WATCH_COLUMNS + " FROM watch_sessions WHERE active_guard = 1";
  public static final String INSERT_WATCH = "INSERT INTO watch_sessions (id, started_at, ends_at, ended_at, channels,"
      + " stats, active_guard) VALUES (?, ?, ?, NULL, ?, NULL, 1)";
  /** Archives the watch if it is still active; the row count says who did it. */
  public static final String ARCHIVE_WATCH = "UPDATE watch_sessions SET ended_at = ?, stats = ?, active_guard = NULL"
      + " WHERE id = ? AND active_guard = 1";
  public static final String ARCHIVED_WATCHES = "SELECT " + WATCH_COLUMNS + " FROM watch_sessions"
      + " WHERE active_guard IS NULL ORDER BY started_at DESC, id DESC LIMIT ?";
  public static final String WATCHES_BEYOND_HISTORY = "SELECT id FROM watch_sessions WHERE active_guard IS NULL"
      + " ORDER BY started_at DESC, id DESC LIMIT 1000 OFFSET ?";
  /** An archived watch with its id and statistics, inserted or replacing the one of the same id (restore). */
  public static final String UPSERT_ARCHIVED_WATCH = "INSERT INTO watch_sessions (id, started_at, ends_at, ended_at,"
      + " channels, stats, active_guard) VALUES (?, ?, ?, ?, ?, ?, NULL) ON DUPLICATE KEY UPDATE"
      + " started_at = VALUES(started_at), ends_at = VALUES(ends_at), ended_at = VALUES(ended_at),"
      + " channels = VALUES(channels), stats = VALUES(stats), active_guard = NULL";
  /** The active watch restored with its id; the same watch again changes nothing. */
  public static final String RESTORE_ACTIVE_WATCH = "INSERT INTO watch_sessions (id, started_at, ends_at, ended_at,"
      + " channels, stats, active_guard) VALUES (?, ?, ?, ?, ?, ?, 1) ON DUPLICATE KEY UPDATE id = id";
  public static final String DELETE_WATCH = "DELETE FROM watch_sessions WHERE id = ?";

  // ---- custom values -------------------------------------------------------------------------

  public static final String PUT_CUSTOM = "INSERT INTO custom_data (custom_key, value_json, updated_at)"
      + " VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE value_json = ?, updated_at = ?";
  public static final String GET_CUSTOM = "SELECT value_json FROM custom_data WHERE custom_key = ?";
  public static final String DELETE_CUSTOM = "DELETE FROM custom_data WHERE custom_key = ?";

  // ---- audit trail and paged windows (audit-export) -------------------------------------------

  /** v4: the audit trail; read newest first by time, ties by insertion order. */
  public static final String V4_AUDIT_LOG = "CREATE TABLE IF NOT EXISTS audit_log ("
      + " id BIGINT NOT NULL AUTO_INCREMENT,"
      + " at BIGINT NOT NULL,"
      + " actor VARCHAR(128) NOT NULL,"
      + " action VARCHAR(64) NOT NULL,"
      + " target VARCHAR(512) NOT NULL,"
      + " detail VARCHAR(1024) NULL,"
      + " PRIMARY KEY (id),"
      + " KEY idx_audit_time (at, id))" + TABLE_OPTIONS;

  public static final String INSERT_AUDIT = "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)";

  public static final String AUDIT_LOG = "SELECT at, actor, action, target, detail FROM audit_log"
      + " WHERE at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?";

  /**
   * A window continuing after a cursor (timestamp, probe id). Parameters: channel, from, to, cursor
   * timestamp, cursor timestamp, cursor probe id, limit. The window bounds keep it one range of the
   * channel-time index; the cursor term is spelled out since row comparisons are not range reads
   * in every MariaDB.
   */
  public static final String WINDOW_ASC_AFTER = "SELECT " + SAMPLE_COLUMNS
      + " FROM health_samples FORCE INDEX (PRIMARY)"
      + " WHERE channel_id = ? AND timestamp >= ? AND timestamp < ?"
      + " AND (timestamp > ? OR (timestamp = ? AND probe_id > ?))"
      + " ORDER BY timestamp ASC, probe_id ASC LIMIT ?";

  public static final String WINDOW_DESC_BEFORE = "SELECT " + SAMPLE_COLUMNS
      + " FROM health_samples FORCE INDEX (PRIMARY)"
      + " WHERE channel_id = ? AND timestamp >= ? AND timestamp < ?"
      + " AND (timestamp < ? OR (timestamp = ? AND probe_id < ?))"
      + " ORDER BY timestamp DESC, probe_id DESC LIMIT ?";

  // ---- dumps (one connection in one consistent-snapshot transaction) --------------------------

  public static final String START_SNAPSHOT = "START TRANSACTION WITH CONSISTENT SNAPSHOT";
  public static final String END_SNAPSHOT = "ROLLBACK";
  /** A channel's samples after (timestamp, probe id), in that order. Parameters: channel, ts, ts, probe, limit. */
  public static final String SAMPLES_AFTER = "SELECT " + SAMPLE_COLUMNS
      + " FROM health_samples FORCE INDEX (PRIMARY)"
      + " WHERE channel_id = ? AND (timestamp > ? OR (timestamp = ? AND probe_id > ?))"
      + " ORDER BY timestamp ASC, probe_id ASC LIMIT ?";
  public static final String ALL_OUTAGES = "SELECT " + OUTAGE_COLUMNS + " FROM outages ORDER BY first_failure_at, id";
  /** The active watch first, then the archived ones newest first. */
  public static final String ALL_WATCHES = "SELECT " + WATCH_COLUMNS + " FROM watch_sessions"
      + " ORDER BY active_guard IS NULL, started_at DESC, id DESC";
  public static final String ALL_CUSTOM = "SELECT custom_key, value_json FROM custom_data ORDER BY custom_key";

  // ---- health --------------------------------------------------------------------------------

  public static final String PING = "SELECT 1";

  /** The data and index bytes of the store's tables (InnoDB's estimate, refreshed with its statistics). */
  public static final String DATA_BYTES =
      "SELECT COALESCE(SUM(data_length + index_length), 0) AS bytes FROM information_schema.TABLES"
          + " WHERE table_schema = DATABASE()";

  /** The oldest sample kept, from the time index. */
  public static final String OLDEST_SAMPLE = "SELECT MIN(timestamp) AS oldest FROM health_samples";

  private static String placeholders(int count) {
    return String.join(", ", Collections.nCopies(count, "?"));
  }
}
