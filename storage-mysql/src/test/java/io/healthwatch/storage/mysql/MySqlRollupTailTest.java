package io.healthwatch.storage.mysql;

import static io.healthwatch.storage.mysql.MySqlTestDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.memory.InMemoryStore;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.RestoreBatch;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A store merges a batch into the minute and hour buckets it remembers from its own last write of
 * a channel instead of reading them, while the channel's row still holds that write's token. These
 * tests have a second writer change the buckets in between: its ingests, its restores, and
 * retention, so the remembered buckets are stale; the statistics must still count every sample
 * exactly once, as the in-memory store does.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Remembered rollup buckets with several writers on one database")
class MySqlRollupTailTest {
  private static final long T0 = 1_764_000_000_000L; // an hour boundary
  private static final long HOUR = 3_600_000L;
  private static final List<String> CHANNELS = List.of("a", "b", "c");

  @RegisterExtension
  final FreshDatabase fresh = new FreshDatabase();
  private MySqlTestDatabase db;

  @BeforeEach
  void database() {
    db = fresh.db();
  }

  private static Sample sample(String channel, long t, Random random) {
    boolean ok = random.nextInt(4) != 0;
    return new Sample(channel, t, ok, ok ? (long) random.nextInt(500) : null, ok ? null : Reason.HTTP,
        null, "p" + random.nextInt(2));
  }

  private void assertSameStats(HealthStore expected, HealthStore... stores) {
    for (String c : CHANNELS) {
      for (long[] w : new long[][] {{T0, T0 + HOUR}, {T0, T0 + 3 * HOUR}, {T0 + HOUR, T0 + 2 * HOUR}}) {
        var want = await(expected.stats(c, w[0], w[1]));
        for (HealthStore s : stores) {
          assertThat(await(s.stats(c, w[0], w[1]))).as("channel %s, window %d..%d", c, w[0], w[1]).isEqualTo(want);
        }
      }
    }
  }

  @Test
  @DisplayName("two stores writing the same channels in turn: every sample counted once in the minute and hour buckets")
  void writersTakingTurns(Vertx vertx) {
    HealthStore one = await(MySqlStore.open(vertx, db.options()));
    HealthStore two = await(MySqlStore.open(vertx, db.options()));
    HealthStore memory = new InMemoryStore(vertx, new StoreOptions());
    Random random = new Random(7);
    long t = T0;
    for (int round = 0; round < 120; round++) {
      HealthStore writer = random.nextBoolean() ? one : two;
      // runs of batches by one writer (its remembered buckets are used) and switches (they are stale)
      int batches = 1 + random.nextInt(3);
      for (int b = 0; b < batches; b++) {
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < 1 + random.nextInt(6); i++) {
          t += random.nextInt(4) == 0 ? 61_000 : 1_000 + random.nextInt(5_000);
          batch.add(sample(CHANNELS.get(random.nextInt(CHANNELS.size())), t, random));
        }
        if (random.nextInt(5) == 0) { // a late sample, in an older minute
          batch.add(sample(CHANNELS.get(random.nextInt(CHANNELS.size())), t - 120_000 - random.nextInt(60_000), random));
        }
        var stored = await(writer.ingest(batch));
        var reference = await(memory.ingest(batch));
        assertThat(stored.accepted()).isEqualTo(reference.accepted());
      }
    }
    assertThat(t).isGreaterThan(T0 + HOUR); // the run crosses hour buckets
    assertSameStats(memory, one, two);
    await(one.close());
    await(two.close());
  }

  @Test
  @DisplayName("a restore by another store between two ingests of a channel is counted")
  void restoreInBetween(Vertx vertx) {
    HealthStore one = await(MySqlStore.open(vertx, db.options()));
    HealthStore two = await(MySqlStore.open(vertx, db.options()));
    HealthStore memory = new InMemoryStore(vertx, new StoreOptions());
    Random random = new Random(11);
    for (int round = 0; round < 10; round++) {
      long t = T0 + round * 10_000L;
      List<Sample> first = List.of(sample("a", t, random), sample("b", t, random));
      List<Sample> restored = List.of(sample("a", t + 1_000, random), sample("c", t + 1_000, random));
      List<Sample> then = List.of(sample("a", t + 2_000, random), sample("b", t + 2_000, random));
      await(one.ingest(first));
      await(memory.ingest(first));
      await(two.restore(RestoreBatch.ofSamples(restored)));
      await(memory.restore(RestoreBatch.ofSamples(restored)));
      await(one.ingest(then));
      await(memory.ingest(then));
    }
    assertSameStats(memory, one, two);
    await(one.close());
    await(two.close());
  }
}
