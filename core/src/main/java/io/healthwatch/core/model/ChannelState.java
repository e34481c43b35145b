package io.healthwatch.core.model;

import com.fasterxml.jackson.annotation.JsonView;
import io.healthwatch.core.json.Views;

/**
 * The state of a channel as the server derives it from its samples.
 *
 * <p>The two {@code failureStreak*} fields remember where the current run of failures started, so
 * that an outage opened at the threshold knows its {@code firstFailureAt} and {@code reason}
 * without reading history again. They are persisted but never shown to clients.
 */
public record ChannelState(
    String channelId,
    ChannelStatus state,
    Long lastSampleAt,
    Boolean lastSampleSuccess,
    Long lastLatencyMs,
    int consecutiveFailures,
    Long lastStateChangeAt,
    long sampleCount,
    String openOutageId,
    @JsonView(Views.Internal.class) Long failureStreakStartedAt,
    @JsonView(Views.Internal.class) Reason failureStreakReason) {

  /** A channel that has no sample yet. */
  public static ChannelState unknown(String channelId) {
    return new ChannelState(channelId, ChannelStatus.UNKNOWN, null, null, null, 0, null, 0, null, null, null);
  }
}
