package io.healthwatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.ChannelState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The packaged server killed ({@code SIGKILL}) or stopped ({@code SIGTERM}) while probes ingest
 * over HTTP and WebSocket, restarted on the same data, and read back over HTTP.
 *
 * <p>{@code -Dhealthwatch.e2e.kill.cycles=N} (the {@code stress} profile: 200) sets the number of
 * kill cycles; {@code -Dhealthwatch.e2e.seed=S} repeats a run.
 */
abstract class CrashRecoveryTest extends BackendTest {
  private static final int THRESHOLD = 3;
  private static final int CYCLES = Integer.getInteger("healthwatch.e2e.kill.cycles", 3);
  private static final long SEED = Long.getLong("healthwatch.e2e.seed", System.nanoTime());

  protected CrashRecoveryTest(Backend backend) {
    super(backend);
  }

  /** Five probes over HTTP and three over WebSocket, three channels each, batches of 1 to 40. */
  private static List<Probe> probes(long seed) {
    long start = System.currentTimeMillis() - Duration.ofDays(1).toMillis();
    List<Probe> probes = new ArrayList<>();
    for (int p = 0; p < 8; p++) {
      Probe.Transport transport = p < 5 ? Probe.Transport.HTTP : Probe.Transport.WEBSOCKET;
      List<String> channels = List.of("p" + p + "-a", "p" + p + "-b", "p" + p + "-c");
      probes.add(new Probe("p" + p, transport, null, channels, 40, start, seed + p));
    }
    return probes;
  }

  @Test
  @DisplayName("after kill -9 during heavy ingestion, each restart holds every acknowledged sample once, and states and outages follow from the samples")
  void killNineLoop() throws Exception {
    Backend.Storage storage = freshStorage("kill");
    ServerProcess server = closeAfterEach(storage.server("kill").start());
    Random random = new Random(SEED);
    List<Probe> probes = probes(SEED);
    for (int cycle = 1; cycle <= CYCLES; cycle++) {
      String what = "cycle " + cycle + " of " + CYCLES + " (seed " + SEED + ")";
      long killAfterMs = 100 + random.nextInt(900);
      ingestUntil(server, probes, () -> {
        ServerProcess.pause(killAfterMs);
        server.kill();
      });
      server.restart();
      verify(server, probes, what);
      System.out.printf("%s: killed after %d ms, %d samples acknowledged so far; unanswered batches found stored %d, absent %d%n",
          what, killAfterMs, probes.stream().mapToInt(Probe::acknowledgedCount).sum(),
          probes.stream().mapToInt(p -> p.doubts()[0]).sum(), probes.stream().mapToInt(p -> p.doubts()[1]).sum());
    }
    assertThat(probes.stream().mapToInt(Probe::acknowledgedCount).sum()).as("acknowledged samples over all cycles")
        .isGreaterThan(CYCLES * 100);
  }

  @Test
  @DisabledOnOs(value = OS.WINDOWS, disabledReason = "Windows has no SIGTERM: Process.destroy() terminates the server"
      + " without running its shutdown hook, so there is no graceful stop to check")
  @DisplayName("SIGTERM during ingestion: the server exits 0 within 10 seconds and keeps every acknowledged sample")
  void sigtermDuringIngestion() throws Exception {
    Backend.Storage storage = freshStorage("term");
    ServerProcess server = closeAfterEach(storage.server("term").start());
    List<Probe> probes = probes(SEED);
    int[] exitCode = new int[1];
    long[] stopMillis = new long[1];
    ingestUntil(server, probes, () -> {
      ServerProcess.pause(500);
      long began = System.nanoTime();
      exitCode[0] = server.stop();
      stopMillis[0] = (System.nanoTime() - began) / 1_000_000;
    });
    assertThat(exitCode[0]).as("exit code after SIGTERM").isZero();
    assertThat(stopMillis[0]).as("milliseconds from SIGTERM to exit").isLessThan(10_000);

    server.restart();
    verify(server, probes, "after SIGTERM (seed " + SEED + ")");
  }

  /**
   * Runs every probe on its own thread until {@code interruption} (which kills or stops the server)
   * returns; it starts once the probes have had a first batch acknowledged.
   */
  private void ingestUntil(ServerProcess server, List<Probe> probes, Runnable interruption) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(probes.size());
    AtomicBoolean stop = new AtomicBoolean();
    try {
      int before = probes.stream().mapToInt(Probe::acknowledgedCount).sum();
      List<Future<?>> running = new ArrayList<>();
      for (Probe p : probes) {
        p.connect(server, vertx);
        running.add(threads.submit(() -> p.run(stop, Integer.MAX_VALUE)));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (probes.stream().mapToInt(Probe::acknowledgedCount).sum() == before && System.nanoTime() < deadline) {
        ServerProcess.pause(5);
      }
      interruption.run();
      stop.set(true);
      for (Future<?> f : running) {
        try {
          f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Error err) {
            throw err;
          }
          throw e;
        } catch (TimeoutException e) {
          throw new AssertionError("a probe did not notice that the server went away within 60 s");
        }
      }
    } finally {
      stop.set(true);
      threads.shutdownNow();
      probes.forEach(Probe::disconnect);
    }
  }

  private static void verify(ServerProcess server, List<Probe> probes, String what) {
    HttpApi api = new HttpApi(server);
    for (Probe p : probes) {
      p.verifyStored(api);
    }
    List<String> expectedChannels = probes.stream().flatMap(p -> p.channels().stream()
        .filter(c -> !p.acknowledged().get(c).isEmpty())).sorted().toList();
    List<ChannelState> channels = new ArrayList<>();
    api.get("/api/v1/channels").path("channels").forEach(c -> channels.add(
        Json.MAPPER.convertValue(c, ChannelState.class)));
    assertThat(channels).as("channels %s", what).extracting(ChannelState::channelId).containsExactlyElementsOf(expectedChannels);
    for (ChannelState c : channels) {
      int stored = probes.stream().filter(p -> p.channels().contains(c.channelId()))
          .mapToInt(p -> p.acknowledged().get(c.channelId()).size()).sum();
      assertThat(c.sampleCount()).as("sampleCount of %s %s", c.channelId(), what).isEqualTo(stored);
    }
    Expected.derive(THRESHOLD, probes).assertServerAgrees(api);
  }
}
