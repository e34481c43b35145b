package io.healthwatch.server;

import static io.healthwatch.server.TestServer.ADMIN;
import static io.healthwatch.server.TestServer.READ;
import static io.healthwatch.server.TestServer.now;
import static io.healthwatch.server.TestServer.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.server.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two servers of one cluster in this JVM (each with its own memory store, which the command line
 * refuses but embedding allows): live events cross the clustered event bus once. The cluster on
 * MySQL with server processes is in integration-tests.
 */
@ExtendWith(VertxExtension.class)
class ClusterTest {

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ServerConfig member(int clusterPort, List<String> members) {
    return TestServer.config().clusterMembers(members).clusterHost("127.0.0.1").clusterPort(clusterPort);
  }

  private static JsonObject subscribeAll(String id) {
    return new JsonObject().put("type", "subscribe").put("id", id).put("channels", "*");
  }

  /** The sample events a dashboard received within {@code millis}, as channel to timestamps. */
  private static Map<String, List<Long>> samplesSeen(LiveClient live, long millis) {
    return live.collect(millis).stream().filter(f -> "sample".equals(f.getString("type")))
        .map(f -> f.getJsonObject("sample"))
        .collect(Collectors.groupingBy(s -> s.getString("channelId"), TreeMap::new,
            Collectors.mapping(s -> s.getLong("timestamp"), Collectors.toList())));
  }

  @Test
  @DisplayName("a dashboard on either server sees the samples ingested at both, once each and in order")
  void eventsCrossTheCluster(Vertx vertx) {
    int portA = freePort();
    int portB = freePort();
    List<String> members = List.of("127.0.0.1:" + portA, "127.0.0.1:" + portB);
    try (TestServer a = TestServer.start(vertx, member(portA, members));
         TestServer b = TestServer.start(vertx, member(portB, members));
         LiveClient atA = LiveClient.connect(vertx, a.port(), READ);
         LiveClient atB = LiveClient.connect(vertx, b.port(), READ)) {
      assertThat(atA.request(subscribeAll("s")).getString("type")).isEqualTo("subscribed");
      assertThat(atB.request(subscribeAll("s")).getString("type")).isEqualTo("subscribed");
      long t = now() - 60_000;
      List<Long> timestamps = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        timestamps.add(t + i);
        assertThat(a.ingest(new JsonArray().add(sample("via-a", t + i, true))).statusCode()).isEqualTo(200);
        assertThat(b.ingest(new JsonArray().add(sample("via-b", t + i, true))).statusCode()).isEqualTo(200);
      }
      Map<String, List<Long>> expected = Map.of("via-a", timestamps, "via-b", timestamps);
      assertThat(awaitSamples(atA, 40)).as("samples seen at server A").isEqualTo(expected);
      assertThat(awaitSamples(atB, 40)).as("samples seen at server B").isEqualTo(expected);

      // a watch started at A is announced at B too, once
      assertThat(a.postJson("/api/v1/watches", ADMIN, new JsonObject().put("durationMs", 60_000)).statusCode()).isEqualTo(201);
      for (LiveClient live : List.of(atA, atB)) {
        JsonObject watch = live.awaitType("watch").getJsonObject("watch");
        assertThat(watch.getLong("endsAt") - watch.getLong("startedAt")).isEqualTo(60_000L);
        assertThat(live.collect(500)).as("nothing more after the watch event").isEmpty();
      }
    }
  }

  @Test
  @DisplayName("a cluster port in use fails the start with a message naming the members and the port")
  void clusterPortInUse() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      Throwable failure = TestServer.await(HealthWatchServer.start(member(port, List.of("127.0.0.1:" + port)))
          .transform(ar -> Future.succeededFuture(ar.cause())));
      assertThat(failure).isNotNull().hasMessageStartingWith("cannot join the cluster 127.0.0.1:" + port + " on port " + port + ": ");
    }
  }

  /** Collects sample events until {@code count} have come, then a little longer so that a duplicate would show. */
  private static Map<String, List<Long>> awaitSamples(LiveClient live, int count) {
    Map<String, List<Long>> seen = new TreeMap<>();
    long deadline = System.currentTimeMillis() + 20_000;
    while (seen.values().stream().mapToInt(List::size).sum() < count && System.currentTimeMillis() < deadline) {
      samplesSeen(live, 200).forEach((c, ts) -> seen.computeIfAbsent(c, k -> new ArrayList<>()).addAll(ts));
    }
    samplesSeen(live, 500).forEach((c, ts) -> seen.computeIfAbsent(c, k -> new ArrayList<>()).addAll(ts));
    return seen;
  }
}
