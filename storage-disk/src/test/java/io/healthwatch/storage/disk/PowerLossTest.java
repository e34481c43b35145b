package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreHealth;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Power cuts simulated in process with {@link SimulatedDisk}: every write not covered by an fsync
 * (and every file creation or rename not covered by a directory fsync) may be lost, the last kept
 * write torn. After each cut the store must hold exactly the acknowledged batches, possibly plus
 * unacknowledged ones whole, never a part of one, never a sample twice.
 */
@ExtendWith(VertxExtension.class)
class PowerLossTest {
  private static final Path DIR = Path.of("/sim/data");
  private static final int CHANNELS = 3;

  /** Batch {@code b}: 1..4 samples of one channel, with failures now and then to open outages. */
  static List<Sample> batch(int b) {
    List<Sample> out = new ArrayList<>();
    int n = 1 + b % 4;
    for (int i = 0; i < n; i++) {
      out.add(TestSupport.sample("c" + (b % CHANNELS), TestSupport.T0 + b * 10L + i, b % 7 >= 3));
    }
    return out;
  }

  static DiskStoreOptions options(SimulatedDisk disk) {
    return TestSupport.options(DIR).setFileOps(disk).setSegmentBytes(2048).setSnapshotIntervalBytes(1500);
  }

  /** What the test knows: which batches were attempted, acknowledged, and found whole. */
  static final class Ledger {
    final Set<Integer> acked = ConcurrentHashMap.newKeySet();
    final Set<Integer> present = new HashSet<>();
    final Set<Integer> unknown = new HashSet<>();

    /** Checks the store against the ledger and learns which unknown batches are present. */
    void verify(HealthStore store, SimulatedDisk disk) {
      StoreHealth health = await(store.health());
      assertThat(health.status()).as("health %s", health.problems()).isEqualTo(StoreHealth.Status.UP);
      assertThat(disk.names()).noneMatch(n -> n.contains(".tmp-") || n.contains(".corrupt-"));
      Set<Integer> check = new HashSet<>(unknown);
      check.addAll(acked);
      check.removeAll(present);
      for (int b : check) {
        List<Sample> expected = batch(b);
        Sample first = expected.get(0);
        List<Sample> found = await(store.samples(first.channelId(),
            new SampleQuery(first.timestamp(), first.timestamp() + 10, 100, SortOrder.ASC)));
        if (acked.contains(b)) {
          assertThat(found).as("acknowledged batch %d", b).isEqualTo(expected);
        } else {
          assertThat(found).as("unacknowledged batch %d is whole or absent", b)
              .satisfiesAnyOf(f -> assertThat(f).isEmpty(), f -> assertThat(f).isEqualTo(expected));
        }
        if (!found.isEmpty()) {
          present.add(b);
        }
      }
      unknown.clear();
      Map<String, Long> counts = new HashMap<>();
      for (int b : present) {
        counts.merge("c" + (b % CHANNELS), (long) batch(b).size(), Long::sum);
      }
      for (ChannelState c : await(store.channels())) {
        assertThat(c.sampleCount()).as("samples of %s, each once", c.channelId()).isEqualTo(counts.get(c.channelId()));
      }
      assertThat(await(store.channels())).hasSize(counts.size());
    }
  }

  @Test
  @DisplayName("after a power cut at any moment the store holds exactly the acknowledged batches, each once")
  void randomPowerCuts(Vertx vertx) throws Exception {
    int rounds = Integer.getInteger("healthwatch.powerloss.rounds", 800);
    Random rnd = new Random(20261125L);
    SimulatedDisk disk = new SimulatedDisk();
    Ledger ledger = new Ledger();
    int next = 0;
    for (int round = 0; round < rounds; round++) {
      HealthStore store = TestSupport.open(vertx, options(disk));
      ledger.verify(store, disk);
      disk.crashAfter(1 + rnd.nextInt(40));
      List<Future<?>> inflight = new ArrayList<>();
      int count = 1 + rnd.nextInt(8);
      for (int j = 0; j < count; j++) {
        int b = rnd.nextInt(5) == 0 && next > 0 ? rnd.nextInt(next) : next++;
        ledger.unknown.add(b);
        inflight.add(store.ingest(batch(b)).onSuccess(r -> ledger.acked.add(b)));
      }
      waitUntilDoneOrCrashed(inflight, disk);
      SimulatedDisk image = disk.crashImage(rnd.nextInt(3) == 0 ? null : rnd);
      disk.crashAfter(0);
      store.close();
      disk = image;
    }
    HealthStore store = TestSupport.open(vertx, options(disk));
    ledger.verify(store, disk);
    assertThat(ledger.acked).hasSizeGreaterThan(rounds / 2);
    assertThat(disk.names()).as("sealed segments were compressed in the background between the cuts")
        .anyMatch(n -> n.endsWith(".cseg"));
    await(store.close());
  }

  static void waitUntilDoneOrCrashed(List<Future<?>> inflight, SimulatedDisk disk) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (disk.frozen() || inflight.stream().allMatch(Future::isComplete)) {
        Thread.sleep(1); // let completions already made durable be recorded
        return;
      }
      Thread.sleep(1);
    }
    throw new AssertionError("writes neither completed nor crashed");
  }
}
