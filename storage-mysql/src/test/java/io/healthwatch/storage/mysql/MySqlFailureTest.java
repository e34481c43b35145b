package io.healthwatch.storage.mysql;

import static io.healthwatch.storage.mysql.MySqlTestDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.healthwatch.core.ErrorCode;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.storage.mysql.impl.MySqlUri;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(VertxExtension.class)
@DisplayName("When the database goes away")
class MySqlFailureTest {
  private static final long T0 = 1_764_000_000_000L;
  private static final int BATCHES = 150 * MySqlConcurrencyTest.SCALE;
  @RegisterExtension
  final FreshDatabase fresh = new FreshDatabase();
  private MySqlTestDatabase db;

  @BeforeEach
  void database() {
    db = fresh.db();
  }

  private static List<Sample> batch(int b, int size) {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      long t = T0 + b * 1_000L + i;
      boolean ok = (b / 3) % 2 == 0;
      out.add(new Sample("ch-" + (i % 4), t, ok, ok ? 5L : null, ok ? null : Reason.TIMEOUT, null, null));
    }
    return out;
  }

  @Test
  @DisplayName("connections killed mid-ingestion lose no acknowledged sample, tear no batch, and writes resume")
  void killedConnections(Vertx vertx) throws Exception {
    HealthStore store = await(MySqlStore.open(vertx, db.options().setPoolSize(4)));
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger kills = new AtomicInteger();
    Thread killer = new Thread(() -> {
      while (running.get()) {
        kills.addAndGet(db.killConnections());
        try {
          Thread.sleep(15);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    killer.start();
    List<List<Sample>> acknowledged = new ArrayList<>();
    List<List<Sample>> failed = new ArrayList<>();
    try {
      for (int b = 0; b < BATCHES; b++) {
        List<Sample> batch = batch(b, 20);
        try {
          await(store.ingest(batch));
          acknowledged.add(batch);
        } catch (StorageException e) {
          assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
          assertThat(e.getMessage()).contains(db.name());
          failed.add(batch);
        }
      }
    } finally {
      running.set(false);
      killer.join();
    }
    assertThat(kills.get()).isPositive();
    assertThat(failed).as("some writes met a killed connection").isNotEmpty();

    Set<String> stored = new HashSet<>();
    for (Row r : db.sql("SELECT channel_id, probe_id, timestamp FROM health_samples")) {
      stored.add(r.getString(0) + "/" + r.getString(1) + "/" + r.getLong(2));
    }
    for (List<Sample> batch : acknowledged) {
      assertThat(batch).allMatch(s -> stored.contains(key(s)), "acknowledged sample stored");
    }
    for (List<Sample> batch : failed) {
      long present = batch.stream().filter(s -> stored.contains(key(s))).count();
      assertThat(present).as("a failed batch is stored whole or not at all").isIn(0L, (long) batch.size());
    }
    // Each channel's count agrees with its rows: states and samples were committed together.
    Map<String, Long> rows = new HashMap<>();
    for (Row r : db.sql("SELECT channel_id, COUNT(*) FROM health_samples GROUP BY channel_id")) {
      rows.put(r.getString(0), r.getLong(1));
    }
    for (ChannelState c : await(store.channels())) {
      assertThat(c.sampleCount()).as(c.channelId()).isEqualTo(rows.get(c.channelId()));
    }
    // The pool reconnects by itself: the failed batches go in now, without reopening.
    for (List<Sample> batch : failed) {
      await(store.ingest(batch));
    }
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).isEqualTo(BATCHES * 20L);
    await(store.close());
  }

  private static String key(Sample s) {
    return s.channelId() + "/" + s.probeId() + "/" + s.timestamp();
  }

  @Test
  @DisplayName("a database that is down fails writes with UNAVAILABLE, keeps cached reads, reports DOWN, and recovers")
  void databaseDown(Vertx vertx) {
    MySQLConnectOptions target = MySqlUri.parse(db.uri());
    TcpProxy proxy = new TcpProxy(vertx, target.getHost(), target.getPort());
    int port = await(proxy.start());
    MySqlStoreOptions options = db.options()
        .setUri("mysql://" + target.getUser() + "@127.0.0.1:" + port + "/" + db.name())
        .setConnectTimeoutMs(1_000).setHealthTimeoutMs(1_000);
    HealthStore store = await(MySqlStore.open(vertx, options));
    await(store.ingest(List.of(new Sample("api", T0, true, 4L, null, null, null))));
    await(store.putCustom("k", "1"));

    await(proxy.stop());

    assertThatThrownBy(() -> await(store.ingest(List.of(new Sample("api", T0 + 1, true, 4L, null, null, null)))))
        .isInstanceOfSatisfying(StorageException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
          assertThat(e.getMessage()).contains("unavailable");
        });
    assertThatThrownBy(() -> await(store.putCustom("k", "2")))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE));
    assertThat(await(store.channels())).extracting(ChannelState::channelId).containsExactly("api");
    assertThat(await(store.channel("api"))).get().extracting(ChannelState::lastSampleAt).isEqualTo(T0);
    StoreHealth down = await(store.health());
    assertThat(down.status()).isEqualTo(StoreHealth.Status.DOWN);
    assertThat(down.problems()).singleElement().asString().contains("does not answer");

    await(proxy.start());

    IngestResult r = await(store.ingest(List.of(new Sample("api", T0 + 1, true, 4L, null, null, null))));
    assertThat(r.accepted()).isEqualTo(1);
    assertThat(await(store.health()).status()).isEqualTo(StoreHealth.Status.UP);
    assertThat(await(store.custom("k"))).contains("1");
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).isEqualTo(2);
    await(store.close());
    await(proxy.stop());
  }

  @Test
  @DisplayName("a store that cannot reach its database at start fails opening with a clear message")
  void unreachableAtStart(Vertx vertx) {
    MySqlStoreOptions options = db.options().setUri("mysql://root@127.0.0.1:1/" + db.name()).setConnectTimeoutMs(1_000);
    Future<HealthStore> opening = MySqlStore.open(vertx, options);
    assertThatThrownBy(() -> await(opening))
        .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.getMessage())
            .contains("127.0.0.1:1/" + db.name()).contains("unavailable"));
  }

  @Test
  @DisplayName("a statement failing in the middle of a large batch leaves nothing of it, and the batch goes in later")
  void failingStatementLeavesNothing(Vertx vertx) {
    HealthStore store = await(MySqlStore.open(vertx, db.options()));
    await(store.ingest(batch(0, 8)));
    // The state update fails while the later chunks of the sample insert are still to be sent.
    db.sql("CREATE TRIGGER refuse_states BEFORE UPDATE ON channel_states FOR EACH ROW"
        + " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'");
    List<Sample> large = new ArrayList<>();
    for (int i = 0; i < 1_600; i++) {
      large.add(new Sample("ch-" + (i % 4), T0 + 1_000_000L + i, true, 5L, null, null, null));
    }
    assertThatThrownBy(() -> await(store.ingest(large))).isInstanceOf(StorageException.class);
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).as("samples stored").isEqualTo(8);

    db.sql("DROP TRIGGER refuse_states");
    assertThat(await(store.ingest(large)).accepted()).isEqualTo(1_600);
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).isEqualTo(1_608);
    await(store.close());
  }
}
