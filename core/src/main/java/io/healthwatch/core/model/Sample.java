package io.healthwatch.core.model;

import java.util.Objects;

/**
 * One probe result, already validated and normalised. Identified by
 * ({@code channelId}, {@code probeId}, {@code timestamp}).
 */
public record Sample(
    String channelId,
    long timestamp,
    boolean success,
    Long latencyMs,
    Reason reason,
    String note,
    String probeId) {

  public static final String DEFAULT_PROBE = "default";

  public Sample {
    Objects.requireNonNull(channelId, "channelId");
    if (probeId == null) {
      probeId = DEFAULT_PROBE;
    }
  }

  /** The identity under which duplicates are recognised. */
  public SampleKey key() {
    return new SampleKey(channelId, probeId, timestamp);
  }

  /** Identity of a stored sample. */
  public record SampleKey(String channelId, String probeId, long timestamp) {}
}
