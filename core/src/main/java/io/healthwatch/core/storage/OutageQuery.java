package io.healthwatch.core.storage;

/**
 * Outages whose {@code firstFailureAt} lies in {@code from <= t < to}, newest first. {@code
 * channelId} null means every channel; {@code open} null means open and closed, true only open,
 * false only closed.
 */
public record OutageQuery(String channelId, long from, long to, Boolean open, int limit) {
  public OutageQuery {
    if (from > to) {
      throw new IllegalArgumentException("from > to");
    }
    if (limit < 1 || limit > SampleQuery.MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1.." + SampleQuery.MAX_LIMIT);
    }
  }

  public static OutageQuery all() {
    return new OutageQuery(null, 0, Long.MAX_VALUE, null, SampleQuery.DEFAULT_LIMIT);
  }

  public boolean matches(io.healthwatch.core.model.Outage o) {
    return (channelId == null || channelId.equals(o.channelId()))
        && o.firstFailureAt() >= from
        && o.firstFailureAt() < to
        && (open == null || open == o.open());
  }
}
