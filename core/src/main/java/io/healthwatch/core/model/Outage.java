package io.healthwatch.core.model;

/**
 * A period during which a channel was offline. Open while {@code recoveredAt} is null.
 */
public record Outage(
    String id,
    String channelId,
    long firstFailureAt,
    long confirmedAt,
    Long recoveredAt,
    Long actualDuration,
    int failureCount,
    Reason reason) {

  public boolean open() {
    return recoveredAt == null;
  }

  /** This outage with one more failure counted. */
  public Outage withOneMoreFailure() {
    return new Outage(id, channelId, firstFailureAt, confirmedAt, null, null, failureCount + 1, reason);
  }

  /** This outage closed by a success at {@code at}. */
  public Outage closedAt(long at) {
    return new Outage(id, channelId, firstFailureAt, confirmedAt, at, at - firstFailureAt, failureCount, reason);
  }
}
