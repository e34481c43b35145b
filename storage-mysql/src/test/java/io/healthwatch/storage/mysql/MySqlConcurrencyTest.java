package io.healthwatch.storage.mysql;

import static io.healthwatch.storage.mysql.MySqlTestDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.memory.InMemoryStore;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mysqlclient.MySQLConnection;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(VertxExtension.class)
@DisplayName("Two servers sharing one database")
class MySqlConcurrencyTest {
  private static final long T0 = 1_764_000_000_000L;
  private static final int CHANNELS = 6;

  @RegisterExtension
  final FreshDatabase fresh = new FreshDatabase();
  private MySqlTestDatabase db;

  @BeforeEach
  void database() {
    db = fresh.db();
  }

  /** Batches in time order, each touching several channels in random order, with runs of failures. */
  static List<List<Sample>> batches(long seed, int count, int size) {
    Random random = new Random(seed);
    List<List<Sample>> out = new ArrayList<>();
    long t = T0;
    boolean[] failing = new boolean[CHANNELS];
    for (int b = 0; b < count; b++) {
      List<Sample> batch = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        int c = random.nextInt(CHANNELS);
        if (random.nextInt(5) == 0) {
          failing[c] = !failing[c];
        }
        t += 1 + random.nextInt(3);
        Reason reason = failing[c] ? Reason.values()[random.nextInt(Reason.values().length)] : null;
        batch.add(new Sample("ch-" + c, t, !failing[c], failing[c] ? null : (long) random.nextInt(500), reason,
            failing[c] ? "down " + b : null, random.nextBoolean() ? "p1" : "p2"));
      }
      out.add(batch);
    }
    return out;
  }

  /** 1 in the normal build; {@code -Pstress} raises it to run longer and with more seeds. */
  static final int SCALE = Integer.getInteger("healthwatch.stress.scale", 1);

  @Test
  @DisplayName("ingesting the same batches through two stores at once ends exactly as one store would")
  void twoStoresEqualOne(Vertx vertx) {
    for (int round = 0; round < SCALE; round++) {
      if (round > 0) {
        db.sql("DELETE FROM health_samples");
        db.sql("DELETE FROM channel_states");
        db.sql("DELETE FROM outages");
      }
      twoStoresEqualOne(vertx, batches(42 + round, 60 * SCALE, 30));
    }
  }

  private void twoStoresEqualOne(Vertx vertx, List<List<Sample>> batches) {
    int total = batches.stream().mapToInt(List::size).sum();

    // The in-memory reference must not drop outages at its cache bound.
    HealthStore reference = new InMemoryStore(vertx, new StoreOptions().setMaxCachedOutages(SampleQuery.MAX_LIMIT));
    batches.forEach(b -> await(reference.ingest(b)));

    HealthStore a = await(MySqlStore.open(vertx, db.options().setPoolSize(4)));
    HealthStore b = await(MySqlStore.open(vertx, db.options().setPoolSize(4)));
    AtomicInteger storedEvents = new AtomicInteger();
    for (HealthStore s : List.of(a, b)) {
      s.addListener(e -> {
        if (e instanceof StoreEvent.SampleStored) {
          storedEvents.incrementAndGet();
        }
      });
    }
    List<Future<IngestResult>> writes = new ArrayList<>();
    for (List<Sample> batch : batches) {
      writes.add(a.ingest(batch));
      writes.add(b.ingest(batch));
    }
    int accepted = 0;
    int duplicates = 0;
    for (Future<IngestResult> w : writes) {
      IngestResult r = await(w);
      accepted += r.accepted();
      duplicates += r.duplicates();
    }

    assertThat(accepted).isEqualTo(total);
    assertThat(duplicates).isEqualTo(total);
    assertThat(storedEvents.get()).isEqualTo(total);
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).isEqualTo(total);
    List<ChannelState> expected = await(reference.channels());
    assertThat(await(a.channels())).containsExactlyElementsOf(expected);
    assertThat(await(b.channels())).containsExactlyElementsOf(expected);
    OutageQuery all = new OutageQuery(null, 0, Long.MAX_VALUE, null, SampleQuery.MAX_LIMIT);
    List<Outage> outages = await(reference.outages(all));
    assertThat(outages).isNotEmpty();
    assertThat(await(a.outages(all))).containsExactlyElementsOf(outages);
    System.out.printf("two stores: %d + %d transactions retried after deadlocks or lock waits%n",
        await(a.health()).details().get("retriedTransactions"), await(b.health()).details().get("retriedTransactions"));
    await(a.close());
    await(b.close());
    await(reference.close());
  }

  @Test
  @DisplayName("a batch chosen as a deadlock victim is retried and stored once")
  void deadlockVictimIsRetried(Vertx vertx) throws Exception {
    HealthStore store = await(MySqlStore.open(vertx, db.options()));
    await(store.ingest(List.of(new Sample("a", T0, true, 1L, null, null, null),
        new Sample("b", T0, true, 1L, null, null, null))));
    MySQLConnectOptions o = db.connectOptions();
    SqlConnection other = await(MySQLConnection.connect(vertx, o));
    Transaction tx = await(other.begin());
    // A heavier transaction than the batch, so InnoDB picks the batch as the victim.
    for (int i = 0; i < 50; i++) {
      await(other.preparedQuery("INSERT INTO custom_data (custom_key, value_json, updated_at) VALUES (?, '1', 0)")
          .execute(Tuple.of("k" + i)));
    }
    await(other.query("SELECT * FROM channel_states WHERE channel_id = 'b' FOR UPDATE").execute());
    Future<IngestResult> batch = store.ingest(List.of(new Sample("a", T0 + 1, true, 2L, null, null, null),
        new Sample("b", T0 + 1, true, 2L, null, null, null)));
    while (db.count("SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'") == 0) {
      Thread.sleep(20);
    }
    await(other.query("SELECT * FROM channel_states WHERE channel_id = 'a' FOR UPDATE").execute());
    await(tx.commit());
    await(other.close());

    assertThat(await(batch).accepted()).isEqualTo(2);
    assertThat((Long) await(store.health()).details().get("retriedTransactions")).isPositive();
    assertThat(await(store.channel("a")).orElseThrow().sampleCount()).isEqualTo(2);
    assertThat(await(store.channel("b")).orElseThrow().sampleCount()).isEqualTo(2);
    assertThat(db.count("SELECT COUNT(*) FROM health_samples")).isEqualTo(4);
    await(store.close());
  }
}
