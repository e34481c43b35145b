package io.healthwatch.storage.mysql;

import static io.healthwatch.storage.mysql.MySqlTestDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.memory.InMemoryStore;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.StorageOperation;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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

/**
 * Ingest calls waiting for a connection share one transaction. Each call must still be answered
 * as if it had run alone, in arrival order: its own accepted and duplicate counts (a sample resent
 * by a later call of the same group is that call's duplicate) and its own events.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Ingest calls sharing a transaction (group commit)")
class MySqlGroupCommitTest {
  private static final long T0 = 1_764_000_000_000L;
  private static final List<String> CHANNELS = List.of("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7");

  @RegisterExtension
  final FreshDatabase fresh = new FreshDatabase();
  private MySqlTestDatabase db;

  @BeforeEach
  void database() {
    db = fresh.db();
  }

  /** Calls of 1 to 20 samples over shared channels, with failure runs, repeats within and across calls. */
  private static List<List<Sample>> calls(int count) {
    Random random = new Random(3);
    List<List<Sample>> out = new ArrayList<>();
    List<Sample> sent = new ArrayList<>();
    long t = T0;
    for (int c = 0; c < count; c++) {
      List<Sample> call = new ArrayList<>();
      for (int i = 0; i < 1 + random.nextInt(20); i++) {
        int roll = random.nextInt(10);
        if (roll == 0 && !sent.isEmpty()) {
          call.add(sent.get(sent.size() - 1 - random.nextInt(Math.min(sent.size(), 30)))); // resent
        } else if (roll == 1 && !call.isEmpty()) {
          call.add(call.get(random.nextInt(call.size()))); // repeated within the call
        } else {
          t += 1 + random.nextInt(2_000);
          String channel = CHANNELS.get(random.nextInt(CHANNELS.size()));
          boolean ok = (t / 60_000) % 3 != 0; // minutes of failures open and close outages
          Sample s = new Sample(channel, t, ok, ok ? (long) random.nextInt(300) : null, ok ? null : Reason.TCP,
              ok ? null : "refused", "p" + random.nextInt(3));
          call.add(s);
          sent.add(s);
        }
      }
      out.add(call);
    }
    return out;
  }

  @Test
  @DisplayName("300 calls issued at once on a pool of 2: fewer commits than calls, each answered as if alone")
  void callsAnsweredAsIfAlone(Vertx vertx) {
    AtomicInteger commits = new AtomicInteger();
    StoreOptions options = new StoreOptions().setStorageListener((op, ok, nanos) -> {
      if (op == StorageOperation.COMMIT) {
        commits.incrementAndGet();
      }
    });
    HealthStore store = await(MySqlStore.open(vertx, db.options().setPoolSize(2).setStoreOptions(options)));
    HealthStore memory = new InMemoryStore(vertx, new StoreOptions());
    List<List<Sample>> calls = calls(300);

    List<Future<IngestResult>> answers = calls.stream().map(store::ingest).toList();
    List<IngestResult> got = answers.stream().map(MySqlTestDatabase::await).toList();
    for (int i = 0; i < calls.size(); i++) {
      IngestResult want = await(memory.ingest(calls.get(i)));
      assertThat(got.get(i)).as("call %d", i).isEqualTo(want);
    }
    assertThat(commits.get()).as("transactions committed").isLessThan(calls.size());
    var details = await(store.health()).details();
    assertThat(details.get("ingestCalls")).isEqualTo((long) calls.size());
    assertThat((Long) details.get("ingestTransactions")).isLessThan(calls.size());
    assertThat(await(store.channels())).isEqualTo(await(memory.channels()));
    assertThat(await(store.outages(OutageQuery.all()))).isEqualTo(await(memory.outages(OutageQuery.all())));
    await(store.close());
  }
}
