package io.healthwatch.storage.mysql;

import static io.healthwatch.storage.mysql.MySqlTestDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.storage.mysql.impl.Migrations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(VertxExtension.class)
@DisplayName("Schema migrations")
class MySqlMigrationTest {
  private static final long T0 = 1_764_000_000_000L;
  @RegisterExtension
  final FreshDatabase fresh = new FreshDatabase();
  private MySqlTestDatabase db;

  @BeforeEach
  void database() {
    db = fresh.db();
  }

  private List<Integer> versions() {
    return db.sql("SELECT version FROM schema_version ORDER BY version").stream().map(r -> r.getInteger(0)).toList();
  }

  private boolean indexExists(String table, String index) {
    return db.count("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()"
        + " AND TABLE_NAME = ? AND INDEX_NAME = ?", table, index) > 0;
  }

  private List<String> primaryKey(String table) {
    return db.sql("SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()"
        + " AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX", table).stream()
        .map(r -> r.getString(0)).toList();
  }

  private boolean columnExists(String table, String column) {
    return db.count("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
        + " AND TABLE_NAME = ? AND COLUMN_NAME = ?", table, column) > 0;
  }

  private boolean tableExists(String table) {
    return db.count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
        + " AND TABLE_NAME = ?", table) > 0;
  }

  private Pool pool(Vertx vertx) {
    MySQLConnectOptions o = db.connectOptions();
    return MySQLBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(o).using(vertx).build();
  }

  @Test
  @DisplayName("an empty database gets every table, index and version at the first start")
  void fromEmpty(Vertx vertx) {
    HealthStore store = await(MySqlStore.open(vertx, db.options()));
    await(store.close());
    assertThat(versions()).isEqualTo(Migrations.versions());
    for (String t : List.of("health_samples", "channel_states", "outages", "watch_sessions", "custom_data",
        "rollup_minute", "rollup_hour", "rollup_retention", "audit_log")) {
      assertThat(tableExists(t)).as(t).isTrue();
    }
    assertThat(indexExists("health_samples", "uq_samples_identity")).isTrue();
    assertThat(primaryKey("health_samples")).containsExactly("channel_id", "timestamp", "probe_id");
    assertThat(indexExists("health_samples", "idx_samples_channel_time")).as("the primary key took its place").isFalse();
    assertThat(indexExists("health_samples", "idx_samples_time")).isTrue();
    assertThat(db.count("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
        + " AND TABLE_NAME = 'channel_states' AND COLUMN_NAME = 'last_sample_success'")).isEqualTo(1);
    assertThat(db.sql("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
        + " AND TABLE_NAME = 'health_samples' AND COLUMN_NAME = 'reason'").get(0).getString(0))
        .isEqualTo("enum('timeout','dns','tcp','tls','http','script')");
  }

  @Test
  @DisplayName("starting twice changes nothing and keeps the data")
  void twice(Vertx vertx) {
    HealthStore store = await(MySqlStore.open(vertx, db.options()));
    await(store.ingest(List.of(new Sample("api", T0, true, 3L, null, null, null))));
    await(store.close());
    store = await(MySqlStore.open(vertx, db.options()));
    assertThat(versions()).isEqualTo(Migrations.versions());
    assertThat(await(store.samples("api", SampleQuery.latest()))).hasSize(1);
    await(store.close());
  }

  @Test
  @DisplayName("a version 1 database is upgraded at start and keeps its data")
  void fromVersionOne(Vertx vertx) {
    Pool pool = pool(vertx);
    assertThat(await(Migrations.run(pool, 1, T0))).isEqualTo(1);
    await(pool.close());
    assertThat(versions()).containsExactly(1);
    assertThat(tableExists("watch_sessions")).isFalse();
    assertThat(indexExists("health_samples", "idx_samples_time")).isFalse();
    db.sql("INSERT INTO health_samples (channel_id, probe_id, timestamp, success, latency_ms)"
        + " VALUES ('old', 'default', ?, 1, 9)", T0);
    db.sql("INSERT INTO channel_states (channel_id, state, last_sample_at, last_sample_success, last_latency_ms,"
        + " last_state_change_at, sample_count) VALUES ('old', 'online', ?, 1, 9, ?, 1)", T0, T0);

    HealthStore store = await(MySqlStore.open(vertx, db.options()));
    assertThat(versions()).isEqualTo(Migrations.versions());
    assertThat(tableExists("watch_sessions")).isTrue();
    assertThat(indexExists("health_samples", "idx_samples_time")).isTrue();
    assertThat(await(store.channel("old"))).get().satisfies(c -> assertThat(c.sampleCount()).isEqualTo(1));
    assertThat(await(store.ingest(List.of(new Sample("old", T0, true, 9L, null, null, null)))).duplicates())
        .isEqualTo(1);
    await(store.close());
  }

  @Test
  @DisplayName("a version 2 database with samples gets rollups of them (also after an interrupted backfill)")
  void backfillsRollups(Vertx vertx) {
    Pool pool = pool(vertx);
    assertThat(await(Migrations.run(pool, 2, T0))).isEqualTo(2);
    await(pool.close());
    java.util.Random rnd = new java.util.Random(5);
    List<Sample> samples = new ArrayList<>();
    List<Object> params = new ArrayList<>();
    for (int i = 0; i < 12_000; i++) {
      String c = "c" + (i % 3);
      long t = T0 - 2 * 86_400_000L + i * 13_001L;
      Long latency = rnd.nextInt(9) == 0 ? null : (long) rnd.nextInt(2_000);
      samples.add(new Sample(c, t, i % 11 != 0, latency, null, null, "p" + (i % 2)));
      params.addAll(java.util.Arrays.asList(c, "p" + (i % 2), t, i % 11 != 0, latency));
      if (params.size() == 5 * 1_000) {
        db.sql("INSERT INTO health_samples (channel_id, probe_id, timestamp, success, latency_ms) VALUES "
            + String.join(", ", java.util.Collections.nCopies(1_000, "(?, ?, ?, ?, ?)")), params.toArray());
        params.clear();
      }
    }
    for (int c = 0; c < 3; c++) {
      db.sql("INSERT INTO channel_states (channel_id, state, last_sample_at, sample_count) VALUES (?, 'online', ?, 4000)",
          "c" + c, T0);
    }
    // An earlier start created the tables and wrote part of the rollups, then died before its version row.
    db.sql(io.healthwatch.storage.mysql.impl.RollupSql.V3_FOR_TESTS.get(1));
    db.sql("INSERT INTO rollup_hour (channel_id, bucket_start, total, ok, latency_count, latency_sum, histogram)"
        + " VALUES ('c0', ?, 99, 99, 0, 0, x'00')", T0 - 3_600_000L);

    HealthStore store = await(MySqlStore.open(vertx, db.options()));
    assertThat(versions()).isEqualTo(Migrations.versions());
    long[][] windows = {{T0 - 3 * 86_400_000L, T0 + 86_400_000L}, {T0 - 86_400_000L + 12_345, T0 - 3_600_000L - 1}};
    for (long[] w : windows) {
      for (int c = 0; c < 3; c++) {
        String ch = "c" + c;
        List<Sample> in = samples.stream().filter(s -> s.channelId().equals(ch) && s.timestamp() >= w[0] && s.timestamp() < w[1])
            .toList();
        var stats = await(store.stats(ch, w[0], w[1]));
        assertThat(stats.samples()).isEqualTo(in.size());
        assertThat(stats.successes()).isEqualTo(in.stream().filter(Sample::success).count());
      }
    }
    assertThat(db.count("SELECT COALESCE(SUM(total), 0) FROM rollup_hour")).isEqualTo(12_000);
    assertThat(db.count("SELECT COALESCE(SUM(total), 0) FROM rollup_minute")).isEqualTo(12_000);
    await(store.close());
  }

  @Test
  @DisplayName("a migration interrupted after its DDL but before its version row completes at the next start")
  void interrupted(Vertx vertx) {
    completesAfterInterrupted(vertx, 1, "ALTER TABLE health_samples ADD KEY idx_samples_time (timestamp)");
  }

  /** The database at {@code version}, then the DDL of the next migration without its version row, then a start. */
  private void completesAfterInterrupted(Vertx vertx, int version, String ddl) {
    Pool pool = pool(vertx);
    await(Migrations.run(pool, version, T0));
    await(pool.close());
    db.sql(ddl);
    HealthStore store = await(MySqlStore.open(vertx, db.options()));
    assertThat(versions()).isEqualTo(Migrations.versions());
    await(store.close());
  }

  @Test
  @DisplayName("a version 4 database gets the write token column and keeps ingesting into its rollups")
  void fromVersionFour(Vertx vertx) {
    Pool pool = pool(vertx);
    await(Migrations.run(pool, 2, T0));
    db.sql("INSERT INTO health_samples (channel_id, probe_id, timestamp, success, latency_ms)"
        + " VALUES ('old', 'default', ?, 1, 9)", T0);
    db.sql("INSERT INTO channel_states (channel_id, state, last_sample_at, last_sample_success, last_latency_ms,"
        + " last_state_change_at, sample_count) VALUES ('old', 'online', ?, 1, 9, ?, 1)", T0, T0);
    assertThat(await(Migrations.run(pool, 4, T0))).isEqualTo(4);
    await(pool.close());
    assertThat(columnExists("channel_states", "write_token")).isFalse();
    assertThat(db.count("SELECT total FROM rollup_minute WHERE channel_id = 'old'")).isEqualTo(1);

    HealthStore store = await(MySqlStore.open(vertx, db.options()));
    assertThat(versions()).isEqualTo(Migrations.versions());
    assertThat(columnExists("channel_states", "write_token")).isTrue();
    await(store.ingest(List.of(new Sample("old", T0 + 1, true, 11L, null, null, null))));
    assertThat(db.count("SELECT total FROM rollup_minute WHERE channel_id = 'old'")).isEqualTo(2);
    await(store.close());
  }

  @Test
  @DisplayName("migration 5 interrupted after its ALTER but before its version row completes at the next start")
  void interruptedWriteToken(Vertx vertx) {
    completesAfterInterrupted(vertx, 4, "ALTER TABLE channel_states ADD COLUMN write_token BIGINT NOT NULL DEFAULT 0");
  }

  @Test
  @DisplayName("a version 5 database gets its samples clustered by channel and time, keeps them, and still skips duplicates")
  void fromVersionFive(Vertx vertx) {
    Pool pool = pool(vertx);
    assertThat(await(Migrations.run(pool, 5, T0))).isEqualTo(5);
    await(pool.close());
    assertThat(primaryKey("health_samples")).containsExactly("id");
    for (int i = 0; i < 30; i++) {
      db.sql("INSERT INTO health_samples (channel_id, probe_id, timestamp, success, latency_ms)"
          + " VALUES (?, 'default', ?, 1, ?)", "c" + i % 3, T0 + (29 - i) * 1_000L, i);
    }
    for (int c = 0; c < 3; c++) {
      long last = T0 + (29 - c) * 1_000L;
      db.sql("INSERT INTO channel_states (channel_id, state, last_sample_at, last_sample_success, last_latency_ms,"
          + " last_state_change_at, sample_count) VALUES (?, 'online', ?, 1, ?, ?, 10)", "c" + c, last, c, T0);
    }
    HealthStore store = await(MySqlStore.open(vertx, db.options()));
    assertThat(versions()).isEqualTo(Migrations.versions());
    assertThat(columnExists("health_samples", "id")).isFalse();
    assertThat(primaryKey("health_samples")).containsExactly("channel_id", "timestamp", "probe_id");
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).isEqualTo(30);
    List<Sample> window = await(store.samples("c1", new io.healthwatch.core.storage.SampleQuery(
        T0, T0 + 60_000, 100, io.healthwatch.core.storage.SortOrder.ASC)));
    assertThat(window).hasSize(10).isSortedAccordingTo(java.util.Comparator.comparingLong(Sample::timestamp));
    Sample stored = window.get(0);
    assertThat(await(store.ingest(List.of(stored))).duplicates()).isEqualTo(1);
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).isEqualTo(30);
    await(store.close());
  }

  @Test
  @DisplayName("migration 6 interrupted after its ALTER but before its version row completes at the next start")
  void interruptedClustering(Vertx vertx) {
    completesAfterInterrupted(vertx, 5, io.healthwatch.storage.mysql.impl.SqlQueries.V6_CLUSTER_SAMPLES);
  }

  @Test
  @DisplayName("several servers starting together migrate once and all open")
  void concurrentStarts(Vertx vertx) {
    List<Future<HealthStore>> opening = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      opening.add(MySqlStore.open(vertx, db.options().setPoolSize(2)));
    }
    List<HealthStore> stores = opening.stream().map(MySqlTestDatabase::await).toList();
    assertThat(versions()).isEqualTo(Migrations.versions());
    stores.forEach(s -> await(s.close()));
  }

  @Test
  @DisplayName("a version missing below the highest recorded one (made on another branch) is applied at start")
  void gap(Vertx vertx) {
    await(await(MySqlStore.open(vertx, db.options())).close());
    db.sql("DELETE FROM schema_version WHERE version = 2");
    db.sql("DROP TABLE watch_sessions");
    HealthStore store = await(MySqlStore.open(vertx, db.options()));
    assertThat(versions()).isEqualTo(Migrations.versions());
    assertThat(tableExists("watch_sessions")).isTrue();
    await(store.close());
  }

  @Test
  @DisplayName("a schema newer than the server is refused with a clear message")
  void newerSchema(Vertx vertx) {
    await(await(MySqlStore.open(vertx, db.options())).close());
    db.sql("INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 0)");
    assertThatThrownBy(() -> await(MySqlStore.open(vertx, db.options())))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("version 99");
  }
}
