package io.healthwatch.core.storage;

/**
 * A window of one channel's samples: {@code from <= timestamp < to}, at most {@code limit}, newest
 * first for {@link SortOrder#DESC}. Ties on timestamp are ordered by probe id.
 */
public record SampleQuery(long from, long to, int limit, SortOrder order) {
  public static final int DEFAULT_LIMIT = io.healthwatch.core.Limits.DEFAULT_QUERY_LIMIT;
  public static final int MAX_LIMIT = io.healthwatch.core.Limits.MAX_QUERY_LIMIT;

  public SampleQuery {
    if (from > to) {
      throw new IllegalArgumentException("from > to");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT);
    }
  }

  /** Everything, newest first, up to the default limit. */
  public static SampleQuery latest() {
    return new SampleQuery(0, Long.MAX_VALUE, DEFAULT_LIMIT, SortOrder.DESC);
  }

  public boolean contains(long timestamp) {
    return timestamp >= from && timestamp < to;
  }
}
