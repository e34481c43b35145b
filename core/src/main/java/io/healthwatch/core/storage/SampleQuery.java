package io.healthwatch.core.storage;

import io.healthwatch.core.model.Sample;
import java.util.Comparator;

/**
 * A window of one channel's samples: {@code from <= timestamp < to}, at most {@code limit}, newest
 * first for {@link SortOrder#DESC}. Ties on timestamp are ordered by probe id.
 *
 * <p>A query may carry a cursor ({@code cursorTimestamp}, {@code cursorProbeId}): the last sample
 * of the previous page. The answer then continues strictly after it in the asked order (keyset
 * pagination on (timestamp, probe id), the order of a channel's samples), so a window of any size
 * can be read page by page with {@link #next}. {@code cursorProbeId} is null when there is no
 * cursor.
 */
public record SampleQuery(long from, long to, int limit, SortOrder order, long cursorTimestamp, String cursorProbeId) {
  public static final int DEFAULT_LIMIT = io.healthwatch.core.Limits.DEFAULT_QUERY_LIMIT;
  public static final int MAX_LIMIT = io.healthwatch.core.Limits.MAX_QUERY_LIMIT;

  /** The order of one channel's samples: by timestamp, then probe id. */
  public static final Comparator<Sample> TIME_ORDER =
      Comparator.comparingLong(Sample::timestamp).thenComparing(Sample::probeId);

  public SampleQuery {
    if (from > to) {
      throw new IllegalArgumentException("from > to");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT);
    }
  }

  /** A query without a cursor. */
  public SampleQuery(long from, long to, int limit, SortOrder order) {
    this(from, to, limit, order, 0, null);
  }

  /** Everything, newest first, up to the default limit. */
  public static SampleQuery latest() {
    return new SampleQuery(0, Long.MAX_VALUE, DEFAULT_LIMIT, SortOrder.DESC);
  }

  /** The same window and order, continuing after {@code last} (the last sample of this page). */
  public SampleQuery next(Sample last) {
    return new SampleQuery(from, to, limit, order, last.timestamp(), last.probeId());
  }

  public boolean hasCursor() {
    return cursorProbeId != null;
  }

  public boolean contains(long timestamp) {
    return timestamp >= from && timestamp < to;
  }

  /** Whether {@code s} lies in the window and after the cursor in the asked order. */
  public boolean admits(Sample s) {
    return contains(s.timestamp()) && afterCursor(s);
  }

  /** Whether {@code s} comes after the cursor in the asked order (always, without a cursor). */
  public boolean afterCursor(Sample s) {
    if (cursorProbeId == null) {
      return true;
    }
    int c = Long.compare(s.timestamp(), cursorTimestamp);
    if (c == 0) {
      c = s.probeId().compareTo(cursorProbeId);
    }
    return order == SortOrder.ASC ? c > 0 : c < 0;
  }

  /** The smallest timestamp an answer can hold: the window start, or the cursor's in ascending order. */
  public long effectiveFrom() {
    return cursorProbeId != null && order == SortOrder.ASC ? Math.max(from, cursorTimestamp) : from;
  }

  /** The end (exclusive) of what an answer can hold: the window end, or just past the cursor's in descending order. */
  public long effectiveTo() {
    return cursorProbeId != null && order == SortOrder.DESC && cursorTimestamp < Long.MAX_VALUE
        ? Math.min(to, cursorTimestamp + 1) : to;
  }
}
