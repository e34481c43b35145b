package io.healthwatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.rules.ChannelRules;
import io.healthwatch.server.ws.LiveEvents;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The oracle: what the core rules ({@link ChannelRules}) derive from each channel's samples, fed
 * in the order the server acknowledged them: the channel state, every outage, and the live events
 * (as the frames a subscriber receives).
 */
public final class Expected {
  private final Map<String, ChannelState> states = new TreeMap<>();
  private final Map<String, Map<String, Outage>> outages = new TreeMap<>();
  private final Map<String, List<JsonNode>> events = new TreeMap<>();

  private Expected() {}

  public static Expected derive(int outageThreshold, Map<String, List<Sample>> samplesByChannel) {
    ChannelRules rules = new ChannelRules(outageThreshold);
    Expected e = new Expected();
    samplesByChannel.forEach((channel, samples) -> {
      ChannelState state = ChannelState.unknown(channel);
      Map<String, Outage> byId = new LinkedHashMap<>();
      List<JsonNode> frames = new ArrayList<>();
      for (Sample s : samples) {
        ChannelRules.Step step = rules.apply(state, state.openOutageId() == null ? null : byId.get(state.openOutageId()), s);
        state = step.state();
        if (step.outage() != null) {
          byId.put(step.outage().id(), step.outage());
        }
        for (StoreEvent event : step.events()) {
          frames.add(HttpApi.parse(LiveEvents.frame(event)));
        }
      }
      if (!samples.isEmpty()) {
        e.states.put(channel, state);
      }
      e.outages.put(channel, byId);
      e.events.put(channel, frames);
    });
    return e;
  }

  /** Every channel's samples of several probes, in acknowledged order. */
  public static Expected derive(int outageThreshold, List<Probe> probes) {
    Map<String, List<Sample>> all = new TreeMap<>();
    probes.forEach(p -> all.putAll(p.acknowledged()));
    return derive(outageThreshold, all);
  }

  /** The frames a subscriber of {@code channel} must receive, in order. */
  public List<JsonNode> events(String channel) {
    return events.getOrDefault(channel, List.of());
  }

  public int outageCount() {
    return outages.values().stream().mapToInt(Map::size).sum();
  }

  /** The server's channel states and outages, read over HTTP, equal what the rules derive. */
  public void assertServerAgrees(HttpApi api) {
    for (Map.Entry<String, Map<String, Outage>> entry : outages.entrySet()) {
      String channel = entry.getKey();
      ChannelState state = states.get(channel);
      if (state != null) {
        assertThat(api.get("/api/v1/channels/" + channel)).as("state of channel %s", channel)
            .isEqualTo(HttpApi.apiTree(state));
      }
      Map<String, JsonNode> expected = new TreeMap<>();
      entry.getValue().forEach((id, o) -> expected.put(id, HttpApi.apiTree(o)));
      Map<String, JsonNode> actual = new TreeMap<>();
      api.outages(channel).forEach(o -> actual.put(o.path("id").asText(), o));
      assertThat(actual).as("outages of channel %s", channel).isEqualTo(expected);
    }
  }
}
