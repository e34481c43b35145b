package io.healthwatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A dashboard: a live connection subscribed to some channels, and which channels it must see.
 *
 * @param watches whether the dashboard must see a channel's events
 */
public record Dashboard(String name, LiveConnection live, Predicate<String> watches) {
  private static final Set<String> EVENT_TYPES = Set.of("sample", "state", "outage");

  /** Connects (no token) and subscribes with {@code channels}, a JSON array of ids or {@code "*"}. */
  public static Dashboard open(Vertx vertx, ServerProcess server, String name, String channels, Predicate<String> watches) {
    LiveConnection live = LiveConnection.open(vertx, server, null);
    JsonNode answer = live.request("s-" + name, "{\"type\":\"subscribe\",\"id\":\"s-" + name + "\",\"channels\":" + channels + "}");
    assertThat(answer.path("type").asText()).as("answer to subscribe: %s", answer).isEqualTo("subscribed");
    return new Dashboard(name, live, watches);
  }

  /** Every {@code sample}, {@code state} and {@code outage} frame received so far, by channel, in order. */
  public Map<String, List<JsonNode>> eventsByChannel() {
    Map<String, List<JsonNode>> byChannel = new TreeMap<>();
    for (JsonNode f : live.received()) {
      String type = f.path("type").asText();
      if (EVENT_TYPES.contains(type)) {
        JsonNode body = f.path(type.equals("state") ? "channel" : type);
        byChannel.computeIfAbsent(body.path("channelId").asText(), k -> new ArrayList<>()).add(f);
      }
    }
    return byChannel;
  }

  /**
   * The events by channel once the dashboard has, for every watched one of {@code channels}, as
   * many events as expected or the last one expected (nothing later can come then), or after 30 s;
   * and a little longer, so that an event delivered twice would show.
   */
  public Map<String, List<JsonNode>> awaitEvents(List<String> channels, Expected expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Map<String, List<JsonNode>> seen = eventsByChannel();
      boolean complete = channels.stream().filter(watches).allMatch(c -> {
        List<JsonNode> want = expected.events(c);
        List<JsonNode> got = seen.getOrDefault(c, List.of());
        return got.size() >= want.size() || (!got.isEmpty() && got.get(got.size() - 1).equals(want.get(want.size() - 1)));
      });
      if (complete || System.nanoTime() > deadline) {
        ServerProcess.pause(200);
        return eventsByChannel();
      }
      ServerProcess.pause(50);
    }
  }
}
