package io.healthwatch.core.model;

import java.util.List;
import java.util.Map;

/**
 * A time-boxed watch. {@code channels} empty means every channel. Active while {@code endedAt} is
 * null; {@code stats} is keyed by channel id.
 */
public record WatchSession(
    String id,
    long startedAt,
    long endsAt,
    Long endedAt,
    List<String> channels,
    Map<String, WatchChannelStats> stats) {

  public WatchSession {
    channels = channels == null ? List.of() : List.copyOf(channels);
    stats = stats == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(stats));
  }

  public boolean active() {
    return endedAt == null;
  }

  /** Whether this watch covers the given channel. */
  public boolean covers(String channelId) {
    return channels.isEmpty() || channels.contains(channelId);
  }

  public WatchSession withStats(Map<String, WatchChannelStats> newStats) {
    return new WatchSession(id, startedAt, endsAt, endedAt, channels, newStats);
  }

  public WatchSession endedAt(long at) {
    return new WatchSession(id, startedAt, endsAt, at, channels, stats);
  }
}
