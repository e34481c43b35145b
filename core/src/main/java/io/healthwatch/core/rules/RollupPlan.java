package io.healthwatch.core.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * How the statistics of a window {@code from <= timestamp < to} are put together from rollups and
 * raw samples, the same way in every backend:
 *
 * <ul>
 *   <li>the whole hours inside the window come from hour buckets;
 *   <li>of the partial hours at its edges, the whole minutes come from minute buckets (when the
 *       backend keeps them) and the rest, the partial minutes, from raw samples;
 *   <li>so counts and availability are exact wherever raw samples are still kept
 *       ({@code timestamp >= rawFloor}).
 * </ul>
 *
 * <p>Past raw retention ({@code from < rawFloor}) only whole hour buckets exist: the part of the
 * window before the first hour that starts at or after {@code rawFloor} counts every hour bucket
 * whose <em>start</em> lies in the window (an hour bucket is counted whole or not at all), and the
 * rest of the window is exact as above.
 *
 * <p>Ranges are half-open; a bucket range selects the buckets whose start lies in it.
 */
public record RollupPlan(List<long[]> hours, List<long[]> minutes, List<long[]> raw) {
  public static final long MINUTE = 60_000L;
  public static final long HOUR = 3_600_000L;

  /**
   * @param rawFloor raw samples are complete for timestamps at or after it ({@code Long.MIN_VALUE}
   *     when nothing was dropped)
   * @param withMinutes whether minute buckets are kept (minute buckets are kept as long as raw
   *     samples are, so they are used only at or after {@code rawFloor})
   */
  public static RollupPlan of(long from, long to, long rawFloor, boolean withMinutes) {
    RollupPlan p = new RollupPlan(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    if (from >= to) {
      return p;
    }
    long exactFrom = from;
    if (from < rawFloor) {
      long boundary = Math.min(to, ceil(rawFloor, HOUR));
      p.hours.add(new long[] {from, boundary});
      exactFrom = boundary;
      if (exactFrom >= to) {
        return p;
      }
    }
    long hs = ceil(exactFrom, HOUR);
    long he = floor(to, HOUR);
    if (hs < he) {
      p.hours.add(new long[] {hs, he});
      p.edge(exactFrom, hs, withMinutes);
      p.edge(he, to, withMinutes);
    } else {
      p.edge(exactFrom, to, withMinutes);
    }
    return p;
  }

  private void edge(long a, long b, boolean withMinutes) {
    if (a >= b) {
      return;
    }
    if (withMinutes) {
      long ms = ceil(a, MINUTE);
      long me = floor(b, MINUTE);
      if (ms < me) {
        minutes.add(new long[] {ms, me});
        addRaw(a, ms);
        addRaw(me, b);
        return;
      }
    }
    addRaw(a, b);
  }

  private void addRaw(long a, long b) {
    if (a < b) {
      raw.add(new long[] {a, b});
    }
  }

  public static long floor(long t, long unit) {
    return Math.floorDiv(t, unit) * unit;
  }

  /** The first multiple of {@code unit} at or after {@code t} ({@code Long.MAX_VALUE} if none fits). */
  public static long ceil(long t, long unit) {
    long f = floor(t, unit);
    if (f == t) {
      return t;
    }
    return f > Long.MAX_VALUE - unit ? Long.MAX_VALUE : f + unit;
  }
}
