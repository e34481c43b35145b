package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreHealth;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM writes batches and is killed with SIGKILL at random moments; after every restart each
 * acknowledged batch is there exactly once, nothing is torn and no temp file is left.
 */
@ExtendWith(VertxExtension.class)
class ProcessCrashTest {
  @Test
  @DisplayName("after kill -9 at random moments every acknowledged batch is stored exactly once")
  void killNine(Vertx vertx, @TempDir Path dir) throws Exception {
    int cycles = Integer.getInteger("healthwatch.crash.cycles", 20);
    Random rnd = new Random(11);
    Map<String, Long> expectedCounts = new HashMap<>();
    int first = 0;
    for (int cycle = 0; cycle < cycles; cycle++) {
      Set<Integer> acked = ConcurrentHashMap.newKeySet();
      Process child = ChildProcess.start(line -> {
        if (line.startsWith("ACK ")) {
          acked.add(Integer.parseInt(line.substring(4)));
        }
      }, "ingest", dir.toString(), Integer.toString(first));
      long deadline = System.currentTimeMillis() + 30_000;
      while (acked.isEmpty() && child.isAlive() && System.currentTimeMillis() < deadline) {
        Thread.sleep(5);
      }
      assertThat(acked).as("the child acknowledged something in cycle %d", cycle).isNotEmpty();
      Thread.sleep(rnd.nextInt(400));
      ChildProcess.kill(child);

      HealthStore store = TestSupport.open(vertx, ChildProcess.options(dir));
      // Acknowledgements still in the child's buffers are lost with it: look up the newest batch stored.
      int last = acked.stream().mapToInt(Integer::intValue).max().orElseThrow();
      for (int c = 0; c < 3; c++) {
        for (Sample newest : await(store.samples("c" + c, new SampleQuery(0, Long.MAX_VALUE, 1, SortOrder.DESC)))) {
          last = Math.max(last, (int) ((newest.timestamp() - TestSupport.T0) / 10));
        }
      }
      for (int b = first; b <= last; b++) {
        List<Sample> expected = PowerLossTest.batch(b);
        Sample s = expected.get(0);
        List<Sample> found = await(store.samples(s.channelId(),
            new SampleQuery(s.timestamp(), s.timestamp() + 10, 100, SortOrder.ASC)));
        if (acked.contains(b)) {
          assertThat(found).as("acknowledged batch %d", b).isEqualTo(expected);
        } else if (!found.isEmpty()) {
          assertThat(found).as("unacknowledged batch %d is whole", b).isEqualTo(expected);
        }
        if (!found.isEmpty()) {
          expectedCounts.merge(s.channelId(), (long) expected.size(), Long::sum);
        }
      }
      for (ChannelState c : await(store.channels())) {
        assertThat(c.sampleCount()).as("each sample of %s once", c.channelId()).isEqualTo(expectedCounts.get(c.channelId()));
      }
      StoreHealth h = await(store.health());
      assertThat(h.status()).as("health %s", h.problems()).isEqualTo(StoreHealth.Status.UP);
      await(store.close());
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains(".tmp-") || n.contains(".corrupt-"));
      }
      first = last + 1;
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).as("children compressed sealed segments")
          .anyMatch(n -> n.endsWith(".cseg"));
    }
  }
}
