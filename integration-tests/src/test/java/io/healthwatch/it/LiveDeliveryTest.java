package io.healthwatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Probes ingesting over HTTP and WebSocket while dashboards watch over WebSocket, against the
 * packaged server: each dashboard receives exactly the events of its channels that the core
 * rules derive from the acknowledged samples, once each and in order per channel, and the HTTP
 * API answers the same afterwards.
 */
abstract class LiveDeliveryTest extends BackendTest {
  private static final int THRESHOLD = 3;

  protected LiveDeliveryTest(Backend backend) {
    super(backend);
  }

  @Test
  @DisplayName("dashboards receive every sample, state change and outage of their channels once and in order, as the HTTP API tells it afterwards")
  void dashboardsSeeEverythingInOrder() throws Exception {
    ServerProcess server = closeAfterEach(freshStorage("live").server("live").start());
    long start = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
    List<Probe> probes = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      probes.add(new Probe("p" + p, p % 2 == 0 ? Probe.Transport.HTTP : Probe.Transport.WEBSOCKET, null,
          List.of("p" + p + "-a", "p" + p + "-b"), 20, start, 1_000 + p));
    }
    List<Dashboard> dashboards = List.of(
        dashboard(server, "all", "\"*\"", c -> true),
        dashboard(server, "two", "[\"p0-a\",\"p1-b\"]", c -> c.equals("p0-a") || c.equals("p1-b")),
        dashboard(server, "one", "[\"p3-a\"]", c -> c.equals("p3-a")),
        dashboardAllBut(server, "p2-b"));

    ExecutorService threads = Executors.newFixedThreadPool(probes.size());
    try {
      List<Future<?>> running = new ArrayList<>();
      for (Probe p : probes) {
        p.connect(server, vertx);
        running.add(threads.submit(() -> p.run(new AtomicBoolean(), 150)));
      }
      for (Future<?> f : running) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
      probes.forEach(Probe::disconnect);
    }

    Expected expected = Expected.derive(THRESHOLD, probes);
    assertThat(expected.outageCount()).as("outages the probes' failures opened").isGreaterThan(4);
    List<String> channels = probes.stream().flatMap(p -> p.channels().stream()).sorted().toList();
    HttpApi api = new HttpApi(server);
    for (Dashboard d : dashboards) {
      Map<String, List<JsonNode>> seen = d.awaitEvents(channels, expected);
      assertThat(d.live().received()).as("dashboard %s was never told it missed events", d.name())
          .noneMatch(f -> "dropped".equals(f.path("type").asText()));
      for (String c : channels) {
        if (!d.watches().test(c)) {
          assertThat(seen.get(c)).as("events of %s at dashboard %s, which did not subscribe to it", c, d.name()).isNull();
          continue;
        }
        assertThat(seen.get(c)).as("events of %s at dashboard %s", c, d.name()).containsExactlyElementsOf(expected.events(c));
        assertSameAsHttp(api, c, seen.get(c), d.name());
      }
    }
    expected.assertServerAgrees(api);
    dashboards.forEach(d -> d.live().close());
  }

  @Test
  @DisplayName("dashboards leaving while events flow cost the dashboards that stay no event")
  void leavingDashboardsCostOthersNothing() throws Exception {
    ServerProcess server = closeAfterEach(freshStorage("leave").server("leave").start());
    List<LiveConnection> leaving = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      leaving.add(dashboard(server, "leaving-" + i, "\"*\"", c -> true).live());
    }
    List<Dashboard> staying = List.of(dashboard(server, "staying-1", "\"*\"", c -> true),
        dashboard(server, "staying-2", "\"*\"", c -> true));
    long start = System.currentTimeMillis() - Duration.ofHours(2).toMillis();
    List<Probe> probes = List.of(
        new Probe("h", Probe.Transport.HTTP, null, List.of("h-a", "h-b", "h-c"), 20, start, 7),
        new Probe("w", Probe.Transport.WEBSOCKET, null, List.of("w-a", "w-b", "w-c"), 20, start, 8));
    ExecutorService threads = Executors.newFixedThreadPool(probes.size() + 1);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (Probe p : probes) {
        p.connect(server, vertx);
        running.add(threads.submit(() -> p.run(new AtomicBoolean(), 200)));
      }
      running.add(threads.submit(() -> leaving.forEach(l -> {
        ServerProcess.pause(30);
        l.leave();
      })));
      for (Future<?> f : running) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
      probes.forEach(Probe::disconnect);
    }
    Expected expected = Expected.derive(THRESHOLD, probes);
    List<String> channels = probes.stream().flatMap(p -> p.channels().stream()).sorted().toList();
    for (Dashboard d : staying) {
      Map<String, List<JsonNode>> seen = d.awaitEvents(channels, expected);
      for (String c : channels) {
        assertThat(seen.get(c)).as("events of %s at dashboard %s", c, d.name()).containsExactlyElementsOf(expected.events(c));
      }
    }
  }

  private Dashboard dashboard(ServerProcess server, String name, String channels, Predicate<String> watches) {
    Dashboard d = Dashboard.open(vertx, server, name, channels, watches);
    closeAfterEach(d.live());
    return d;
  }

  /** Subscribed to everything, then unsubscribed from one channel. */
  private Dashboard dashboardAllBut(ServerProcess server, String excluded) {
    Dashboard d = dashboard(server, "all-but-" + excluded, "\"*\"", c -> !c.equals(excluded));
    JsonNode answer = d.live().request("u", "{\"type\":\"unsubscribe\",\"id\":\"u\",\"channels\":[\"" + excluded + "\"]}");
    assertThat(answer.path("type").asText()).as("answer to unsubscribe: %s", answer).isEqualTo("unsubscribed");
    return d;
  }

  /** What a dashboard saw of a channel is what the HTTP API answers about it now. */
  private static void assertSameAsHttp(HttpApi api, String channel, List<JsonNode> seen, String dashboard) {
    List<Sample> samples = new ArrayList<>();
    Map<String, JsonNode> outages = new LinkedHashMap<>();
    JsonNode lastState = null;
    for (JsonNode f : seen) {
      switch (f.path("type").asText()) {
        case "sample" -> samples.add(Json.MAPPER.convertValue(f.path("sample"), Sample.class));
        case "state" -> lastState = f.path("channel");
        default -> outages.put(f.path("outage").path("id").asText(), f.path("outage"));
      }
    }
    String as = "channel " + channel + " at dashboard " + dashboard;
    assertThat(samples).as("samples seen live on %s = samples API", as).containsExactlyElementsOf(api.allSamples(channel));
    JsonNode state = api.get("/api/v1/channels/" + channel);
    assertThat(lastState).as("a state event on %s", as).isNotNull();
    assertThat(lastState.path("state")).as("last state seen live on %s = channel API", as).isEqualTo(state.path("state"));
    assertThat(lastState.path("lastStateChangeAt")).as("last state change on %s", as).isEqualTo(state.path("lastStateChangeAt"));
    Map<String, JsonNode> stored = new TreeMap<>();
    api.outages(channel).forEach(o -> stored.put(o.path("id").asText(), o));
    assertThat(new TreeSet<>(outages.keySet())).as("outages seen live on %s = outages API", as).isEqualTo(stored.keySet());
    outages.forEach((id, o) -> {
      if (o.path("recoveredAt").isNull()) {
        // an open outage's failure count grows without an event; the rest is as announced
        assertThat(stored.get(id).path("recoveredAt").isNull()).as("outage %s still open on %s", id, as).isTrue();
        assertThat(stored.get(id).path("firstFailureAt")).isEqualTo(o.path("firstFailureAt"));
        assertThat(stored.get(id).path("confirmedAt")).isEqualTo(o.path("confirmedAt"));
      } else {
        assertThat(stored.get(id)).as("closed outage %s on %s", id, as).isEqualTo(o);
      }
    });
  }
}
