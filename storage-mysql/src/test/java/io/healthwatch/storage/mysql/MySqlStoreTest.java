package io.healthwatch.storage.mysql;

import static io.healthwatch.storage.mysql.MySqlTestDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.assertj.core.groups.Tuple.tuple;

import io.healthwatch.core.ErrorCode;
import io.healthwatch.core.conformance.MutableClock;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Future;
import java.util.concurrent.CopyOnWriteArrayList;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.storage.mysql.impl.SqlQueries;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(VertxExtension.class)
@DisplayName("The MySQL store on a real database")
class MySqlStoreTest {
  private static final long T0 = 1_764_000_000_000L;
  /** The CA that signed the test server's certificate, when the test server has TLS. */
  private static final String CA_FILE_ENV = "HEALTHWATCH_TEST_MYSQL_CA_FILE";
  private static final String INJECTION = "'); DROP TABLE health_samples; --";
  private static final String INJECTION_2 = "\" OR 1=1; DELETE FROM channel_states; -- \\' `x`";

  @RegisterExtension
  final FreshDatabase fresh = new FreshDatabase();
  private MySqlTestDatabase db;
  private HealthStore store;

  @BeforeEach
  void open(Vertx vertx) {
    db = fresh.db();
    store = await(MySqlStore.open(vertx, db.options()));
  }

  @AfterEach
  void close() {
    if (store != null) {
      await(store.close());
    }
  }

  @Test
  @DisplayName("SQL in notes, custom keys and values and watch channels is stored verbatim and runs nowhere")
  void injectionIsJustText() {
    Sample s = new Sample("api", T0, false, null, Reason.HTTP, INJECTION, "p1");
    Sample s2 = new Sample("api", T0 + 1, false, 5L, Reason.SCRIPT, INJECTION_2, "p1");
    await(store.ingest(List.of(s, s2)));
    await(store.putCustom(INJECTION, "\"" + INJECTION_2.replace("\\", "\\\\").replace("\"", "\\\"") + "\""));
    await(store.putCustom("k", INJECTION));
    WatchSession w = await(store.startWatch(60_000, List.of(INJECTION, "api")));

    assertThat(await(store.samples("api", new SampleQuery(0, Long.MAX_VALUE, 10, SortOrder.ASC))))
        .containsExactly(s, s2);
    assertThat(await(store.custom("k"))).contains(INJECTION);
    assertThat(await(store.custom(INJECTION))).isPresent();
    assertThat(await(store.currentWatch())).get().satisfies(c -> {
      assertThat(c.id()).isEqualTo(w.id());
      assertThat(c.channels()).containsExactly(INJECTION, "api");
      assertThat(c.stats()).containsKeys(INJECTION, "api");
    });
    assertThat(await(store.deleteCustom(INJECTION))).isTrue();
    assertThat(await(store.deleteChannel(INJECTION))).isFalse();
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).isEqualTo(2);
    assertThat(db.count("SELECT COUNT(*) FROM channel_states")).isEqualTo(1);
  }

  @Test
  @DisplayName("window and statistics queries read through the (channel_id, timestamp) index and the rollups' primary key")
  void queriesUseTheChannelTimeIndex() {
    List<Sample> batch = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      batch.add(new Sample("c" + (i % 4), T0 + i, i % 7 != 0, (long) i, null, null, null));
    }
    await(store.ingest(batch));
    db.sql("ANALYZE TABLE health_samples");
    for (String sql : List.of(SqlQueries.WINDOW_DESC, SqlQueries.WINDOW_ASC)) {
      assertThat(explainKeys(sql, "c1", T0, T0 + 1_000, 100)).as(sql).contains("PRIMARY");
    }
    String raw = io.healthwatch.storage.mysql.impl.RollupSql.raw(true, 2);
    assertThat(explainKeys(raw, "c1", T0, T0 + 10, T0 + 990, T0 + 1_000)).as(raw).contains("PRIMARY");
    String hours = io.healthwatch.storage.mysql.impl.RollupSql.buckets(io.healthwatch.storage.mysql.impl.RollupSql.HOURS, true, 1);
    assertThat(explainKeys(hours, "c1", T0, T0 + 30 * 86_400_000L)).as(hours).contains("PRIMARY");
    for (String sql : List.of(SqlQueries.WINDOW_ASC_AFTER, SqlQueries.WINDOW_DESC_BEFORE)) {
      assertThat(explainKeys(sql, "c1", T0, T0 + 1_000, T0 + 500, T0 + 500, "default", 100)).as(sql)
          .contains("PRIMARY");
    }
  }

  private List<String> explainKeys(String sql, Object... params) {
    List<String> keys = new ArrayList<>();
    for (Row r : db.sql("EXPLAIN " + sql, params)) {
      keys.add(r.getString("key"));
    }
    return keys;
  }

  @Test
  @DisplayName("notes of the maximum length, every reason and huge latencies are stored as they came")
  void extremes() {
    List<Sample> batch = new ArrayList<>();
    int i = 0;
    for (Reason r : Reason.values()) {
      batch.add(new Sample("x", T0 + i++, false, 3_600_000L, r, "é✓".repeat(512), "probe:" + r.wireName()));
    }
    await(store.ingest(batch));
    assertThat(await(store.samples("x", new SampleQuery(0, Long.MAX_VALUE, 100, SortOrder.ASC))))
        .containsExactlyElementsOf(batch);
  }

  @Test
  @DisplayName("a large batch with many channels is stored whole in one call")
  void largeBatch() {
    List<Sample> batch = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      batch.add(new Sample("ch-" + (i % 1_500), T0 + i, i % 3 != 0, (long) (i % 100), i % 3 == 0 ? Reason.TCP : null,
          null, null));
    }
    var result = await(store.ingest(batch));
    assertThat(result.accepted()).isEqualTo(10_000);
    assertThat(await(store.channels())).hasSize(1_500);
    assertThat(await(store.ingest(batch)).duplicates()).isEqualTo(10_000);
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).isEqualTo(10_000);
  }

  @Test
  @DisplayName("retention removes more old samples than one delete statement takes, and nothing newer")
  void retentionInBatches() {
    List<Sample> batch = new ArrayList<>();
    for (int i = 0; i < 2_600; i++) {
      batch.add(new Sample("r" + (i % 3), T0 + i, true, 1L, null, null, null));
    }
    await(store.ingest(batch));
    var result = await(store.applyRetention(T0 + 2_500));
    assertThat(result.samplesRemoved()).isEqualTo(2_500);
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).isEqualTo(100);
    assertThat(await(store.channels())).hasSize(3);
  }

  @Test
  @DisplayName("a watch reaching its planned end is archived by the timer and listeners hear it without any call")
  void watchEndsOnTimer(Vertx vertx) {
    await(store.close());
    MutableClock clock = new MutableClock(T0);
    store = await(MySqlStore.open(vertx, db.options().setStoreOptions(new StoreOptions().setClock(clock))));
    List<WatchSession> heard = new CopyOnWriteArrayList<>();
    store.addListener(e -> {
      if (e instanceof StoreEvent.WatchChanged w) {
        heard.add(w.watch());
      }
    });
    WatchSession w = await(store.startWatch(60_000, List.of()));
    clock.advance(61_000);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (heard.size() < 2 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(heard).extracting(WatchSession::id, WatchSession::endedAt)
        .containsExactly(tuple(w.id(), null), tuple(w.id(), T0 + 60_000));
  }

  @Test
  @DisplayName("two servers starting a watch at once: one wins, the other gets a conflict")
  void watchConflictAcrossServers(Vertx vertx) {
    HealthStore other = await(MySqlStore.open(vertx, db.options()));
    for (int round = 0; round < 5; round++) {
      Future<WatchSession> first = store.startWatch(60_000, List.of());
      Future<WatchSession> second = other.startWatch(60_000, List.of());
      List<Throwable> failures = new ArrayList<>();
      int started = 0;
      for (Future<WatchSession> f : List.of(first, second)) {
        try {
          await(f);
          started++;
        } catch (StorageException e) {
          failures.add(e);
        }
      }
      assertThat(started).isEqualTo(1);
      assertThat(failures).singleElement()
          .satisfies(e -> assertThat(((StorageException) e).code()).isEqualTo(ErrorCode.CONFLICT));
      assertThat(await(other.stopWatch())).isPresent();
    }
    await(other.close());
  }

  @Test
  @DisplayName("a healthy database reports UP with the backend named")
  void healthUp() {
    StoreHealth h = await(store.health());
    assertThat(h.status()).isEqualTo(StoreHealth.Status.UP);
    assertThat(h.details()).containsEntry("backend", "mysql");
  }

  @Test
  @DisplayName("a wrong password fails opening with a message that does not contain it")
  void wrongPassword(Vertx vertx) {
    MySqlStoreOptions o = db.options().setPassword("Wr0ng-s3cret-pw");
    assertThatThrownBy(() -> await(MySqlStore.open(vertx, o)))
        .isInstanceOfSatisfying(StorageException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
          assertThat(e.getMessage()).contains(db.name()).doesNotContain("Wr0ng-s3cret-pw");
        });
  }

  @Test
  @DisplayName("sslMode=disabled connects in clear; sslMode=required connects with TLS or says clearly why not")
  void tlsModes(Vertx vertx) throws Exception {
    HealthStore clear = await(MySqlStore.open(vertx, db.options().setUri(db.uri() + "?sslMode=disabled")));
    assertThat(await(clear.health()).status()).isEqualTo(StoreHealth.Status.UP);
    await(clear.close());

    boolean serverHasTls = "YES".equalsIgnoreCase(
        db.sql("SHOW VARIABLES LIKE 'have_ssl'").get(0).getString(1));
    MySqlStoreOptions required = db.options().setUri(db.uri() + "?sslMode=required");
    if (serverHasTls) {
      HealthStore tls = await(MySqlStore.open(vertx, required));
      assertThat(await(tls.health()).status()).isEqualTo(StoreHealth.Status.UP);
      assertThat(await(tls.ingest(List.of(new Sample("tls", T0, true, 1L, null, null, null)))).accepted()).isOne();
      await(tls.close());
      // A certificate from an authority the CA file does not hold is refused.
      String untrusted = Path.of(getClass().getResource("/untrusted-ca.pem").toURI()).toString();
      assertThatThrownBy(() -> await(MySqlStore.open(vertx,
          db.options().setUri(db.uri() + "?sslMode=verify-ca&caFile=" + untrusted))))
          .isInstanceOf(StorageException.class).hasMessageContaining("sslMode=verify-ca");
      String ca = System.getenv(CA_FILE_ENV);
      if (ca != null) {
        for (String mode : List.of("verify-ca", "verify-identity")) {
          HealthStore verified = await(MySqlStore.open(vertx,
              db.options().setUri(db.uri() + "?sslMode=" + mode + "&caFile=" + ca)));
          assertThat(await(verified.health()).status()).as(mode).isEqualTo(StoreHealth.Status.UP);
          await(verified.close());
        }
      }
    } else {
      assertThatThrownBy(() -> await(MySqlStore.open(vertx, required)))
          .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getMessage())
              .contains(db.name())
              .satisfies(m -> assertThat(m.toLowerCase(Locale.ROOT)).containsAnyOf("ssl", "tls")));
    }
  }
}
