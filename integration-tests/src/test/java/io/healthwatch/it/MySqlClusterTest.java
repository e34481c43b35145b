package io.healthwatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Three packaged servers on loopback, one MySQL database, one cluster ({@code --cluster}): probes
 * spread over the servers, a dashboard on each. Every dashboard sees every event of every server
 * once and in order per channel; a server killed with SIGKILL loses no acknowledged sample, the
 * others keep delivering everything to their dashboards, and the server restarted rejoins.
 *
 * <p>{@code -Dhealthwatch.e2e.cluster.batches=N} sets the batches each probe sends per phase (25;
 * {@code -Pstress}: 400).
 */
@DisplayName("A cluster of packaged servers on one MySQL database")
class MySqlClusterTest extends BackendTest {
  private static final int THRESHOLD = 3;
  private static final int SERVERS = 3;
  private static final int BATCHES = Integer.getInteger("healthwatch.e2e.cluster.batches", 25);
  /** A clustered start loads Hazelcast too: more patience than for a single server on a busy machine. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

  MySqlClusterTest() {
    super(Backend.MYSQL);
  }

  @Test
  @DisplayName("dashboards on every server see the samples ingested at every server once; a server killed loses nothing acknowledged, the others keep delivering, and it rejoins when restarted")
  void liveEventsAcrossTheCluster() throws Exception {
    Backend.Storage storage = freshStorage("cluster");
    List<Integer> clusterPorts = IntStream.range(0, SERVERS).mapToObj(i -> ServerProcess.freePort()).toList();
    String members = clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    List<ServerProcess> servers = new ArrayList<>();
    for (int i = 0; i < SERVERS; i++) {
      servers.add(closeAfterEach(storage.server("node" + i)
          .args("--cluster", members, "--cluster-host", "127.0.0.1", "--cluster-port", String.valueOf(clusterPorts.get(i)),
              "--outage-threshold", String.valueOf(THRESHOLD))
          .startTimeout(START_TIMEOUT)
          // three JVMs on a small machine: the quick compiler and one GC thread start them sooner
          .jvmArgs("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
          .start()));
    }
    List<Dashboard> dashboards = new ArrayList<>();
    for (int i = 0; i < SERVERS; i++) {
      dashboards.add(dashboard(servers.get(i), "at-node" + i));
    }
    awaitClusterFormed(servers, dashboards, "start");

    long start = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
    List<Probe> probes = new ArrayList<>();
    Map<Probe, Integer> serverOf = new HashMap<>();
    for (int p = 0; p < 2 * SERVERS; p++) {
      Probe probe = new Probe("p" + p, p < SERVERS ? Probe.Transport.HTTP : Probe.Transport.WEBSOCKET, null,
          List.of("p" + p + "-a", "p" + p + "-b"), 20, start, 4_000 + p);
      probes.add(probe);
      serverOf.put(probe, p % SERVERS);
      probe.connect(servers.get(p % SERVERS), vertx);
    }
    List<String> channels = probes.stream().flatMap(p -> p.channels().stream()).sorted().toList();

    // all servers up: every dashboard sees every event of every channel once, in order
    runAll(probes, p -> p.run(new AtomicBoolean(), BATCHES));
    Expected before = Expected.derive(THRESHOLD, probes);
    for (Dashboard d : dashboards) {
      Map<String, List<JsonNode>> seen = d.awaitEvents(channels, before);
      for (String c : channels) {
        assertThat(seen.get(c)).as("events of %s at %s", c, d.name()).containsExactlyElementsOf(before.events(c));
      }
    }

    // the last server is killed while every probe is sending
    int victim = SERVERS - 1;
    List<Probe> orphans = probes.stream().filter(p -> serverOf.get(p) == victim).toList();
    List<Probe> survivors = probes.stream().filter(p -> serverOf.get(p) != victim).toList();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService threads = Executors.newFixedThreadPool(probes.size());
    List<Future<?>> running = new ArrayList<>();
    try {
      for (Probe p : probes) {
        running.add(threads.submit(() -> p.run(stop, Integer.MAX_VALUE)));
      }
      awaitMoreAcknowledged(probes, BATCHES / 2);
      servers.get(victim).kill();
      for (Probe p : orphans) {
        running.get(probes.indexOf(p)).get(60, TimeUnit.SECONDS);
      }
      // the survivors keep sending for a while with one member gone
      awaitMoreAcknowledged(survivors, BATCHES / 2);
      stop.set(true);
      for (Future<?> f : running) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      stop.set(true);
      threads.shutdownNow();
    }

    // every acknowledged sample is stored; the probes of the dead server move to the others
    HttpApi api = new HttpApi(servers.get(0));
    probes.forEach(p -> p.verifyStored(api));
    Expected atKill = Expected.derive(THRESHOLD, probes);
    for (int i = 0; i < orphans.size(); i++) {
      orphans.get(i).connect(servers.get(i % victim), vertx);
    }
    runAll(orphans, p -> p.run(new AtomicBoolean(), BATCHES));
    probes.forEach(Probe::disconnect);
    probes.forEach(p -> p.verifyStored(api));
    Expected atRestart = Expected.derive(THRESHOLD, probes);

    // the killed server comes back on the same ports and rejoins; one of its probes goes back to it
    ServerProcess restarted = servers.get(victim).restart();
    Dashboard rejoined = dashboard(restarted, "at-node" + victim + "-restarted");
    List<Dashboard> current = new ArrayList<>(dashboards.subList(0, victim));
    current.add(rejoined);
    awaitClusterFormed(servers, current, "rejoin");
    for (Probe p : probes) {
      p.connect(servers.get(p == orphans.get(0) ? victim : orphans.contains(p) ? 1 : serverOf.get(p)), vertx);
    }
    runAll(probes, p -> p.run(new AtomicBoolean(), Math.max(1, BATCHES / 5)));
    probes.forEach(Probe::disconnect);
    probes.forEach(p -> p.verifyStored(api));
    Expected end = Expected.derive(THRESHOLD, probes);
    end.assertServerAgrees(api);

    List<String> orphanChannels = orphans.stream().flatMap(p -> p.channels().stream()).toList();
    for (Dashboard d : dashboards.subList(0, victim)) {
      Map<String, List<JsonNode>> seen = d.awaitEvents(channels, end);
      assertThat(d.live().received()).as("%s was never told it missed events", d.name())
          .noneMatch(f -> "dropped".equals(f.path("type").asText()));
      for (String c : channels) {
        List<JsonNode> expected = end.events(c);
        if (!orphanChannels.contains(c)) {
          assertThat(seen.get(c)).as("events of %s at %s", c, d.name()).containsExactlyElementsOf(expected);
          continue;
        }
        // what the killed server had not passed on when it died is lost to the others; the rest is there once, in order
        List<JsonNode> got = seen.getOrDefault(c, List.of());
        assertThat(expected).as("events of %s at %s appear in the order of the rules, none twice", c, d.name())
            .containsSubsequence(got);
        assertThat(got).as("events of %s at %s from before the kill", c, d.name())
            .startsWith(before.events(c).toArray(JsonNode[]::new));
        List<JsonNode> moved = expected.subList(atKill.events(c).size(), expected.size());
        assertThat(got).as("events of %s at %s after its probe moved to a live server", c, d.name())
            .endsWith(moved.toArray(JsonNode[]::new));
      }
    }
    assertThat(dashboards.get(victim).live().isClosed()).as("the dashboard of the killed server lost its connection").isTrue();
    Map<String, List<JsonNode>> seenAfterRejoin = rejoined.awaitEvents(channels, end);
    for (String c : channels) {
      List<JsonNode> expected = end.events(c);
      assertThat(seenAfterRejoin.getOrDefault(c, List.of())).as("events of %s at the restarted server's dashboard", c)
          .containsExactlyElementsOf(expected.subList(atRestart.events(c).size(), expected.size()));
    }
    for (ServerProcess s : servers) {
      assertThat(s.stop()).as("exit code of a cluster member after SIGTERM (it leaves the cluster)").isZero();
    }
  }

  private Dashboard dashboard(ServerProcess server, String name) {
    Dashboard d = Dashboard.open(vertx, server, name, "\"*\"", c -> true);
    closeAfterEach(d.live());
    return d;
  }

  /**
   * Waits until a sample ingested at each server has reached the dashboards of all servers: then
   * every server knows every other's relay. Samples go to channels of their own ({@code warm-*}),
   * which the checks leave out.
   */
  private static void awaitClusterFormed(List<ServerProcess> servers, List<Dashboard> dashboards, String round) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long timestamp = System.currentTimeMillis() - Duration.ofHours(3).toMillis();
    while (true) {
      timestamp++;
      for (int i = 0; i < servers.size(); i++) {
        new HttpApi(servers.get(i)).ingest(HttpApi.sample("warm-" + round + "-" + i, timestamp, true, 1, null));
      }
      ServerProcess.pause(200);
      boolean formed = dashboards.stream().allMatch(d -> IntStream.range(0, servers.size())
          .allMatch(i -> d.eventsByChannel().containsKey("warm-" + round + "-" + i)));
      if (formed) {
        return;
      }
      assertThat(System.nanoTime()).as("the cluster formed within 60 s: every dashboard saw a sample of every server")
          .isLessThan(deadline);
    }
  }

  /** Waits (at most 60 s) until each probe has had at least {@code samples} more samples acknowledged. */
  private static void awaitMoreAcknowledged(List<Probe> probes, int samples) {
    Map<Probe, Integer> base = new HashMap<>();
    probes.forEach(p -> base.put(p, p.acknowledgedCount()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (probes.stream().anyMatch(p -> p.acknowledgedCount() < base.get(p) + samples) && System.nanoTime() < deadline) {
      ServerProcess.pause(20);
    }
  }

  private static void runAll(List<Probe> probes, Consumer<Probe> work) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(probes.size());
    try {
      List<Future<?>> running = probes.stream().<Future<?>>map(p -> threads.submit(() -> work.accept(p))).toList();
      for (Future<?> f : running) {
        f.get(180, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
