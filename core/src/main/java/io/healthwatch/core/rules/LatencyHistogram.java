package io.healthwatch.core.rules;

/**
 * The fixed log-linear latency buckets of the rollups (HdrHistogram-like, two significant binary
 * digits more than a power of two): latencies 0 to 255 ms each have their own bucket, and every
 * power-of-two range above ({@code [2^e, 2^(e+1))}, e &ge; 8) is split into 128 equal buckets of
 * width {@code 2^(e-7)}. A bucket is reported as its middle ({@code lower + width/2}), so a
 * percentile read from the buckets is the exact nearest-rank value below 256 ms and otherwise
 * within {@code 2^(e-8)} of it, that is at most 1/256 (0.4 %) of the true value.
 *
 * <p>Histograms are stored as sorted {@code int[]} entries, each packed as {@code index << 20 |
 * count}; an index may repeat when a count passes 2^20-1, so merging never overflows.
 */
public final class LatencyHistogram {
  /** Latencies below this are exact. */
  public static final int EXACT_BELOW = 256;
  static final int SUB_BUCKETS = 128;
  static final int COUNT_BITS = 20;
  static final int MAX_COUNT = (1 << COUNT_BITS) - 1;
  private static final long MAX_TRACKED = Integer.MAX_VALUE;

  private LatencyHistogram() {}

  /** The bucket of a latency. */
  public static int index(long latency) {
    long v = Math.max(0, Math.min(latency, MAX_TRACKED));
    if (v < EXACT_BELOW) {
      return (int) v;
    }
    int e = 63 - Long.numberOfLeadingZeros(v);
    int sub = (int) ((v >> (e - 7)) & (SUB_BUCKETS - 1));
    return EXACT_BELOW + (e - 8) * SUB_BUCKETS + sub;
  }

  /** The smallest latency of a bucket. */
  public static long lowerBound(int index) {
    if (index < EXACT_BELOW) {
      return index;
    }
    int e = 8 + (index - EXACT_BELOW) / SUB_BUCKETS;
    int sub = (index - EXACT_BELOW) % SUB_BUCKETS;
    return (long) (SUB_BUCKETS + sub) << (e - 7);
  }

  /** The latency a bucket is reported as: its middle (the value itself below 256). */
  public static long representative(int index) {
    if (index < EXACT_BELOW) {
      return index;
    }
    int e = 8 + (index - EXACT_BELOW) / SUB_BUCKETS;
    return lowerBound(index) + (1L << (e - 8));
  }

  /** The largest difference between a reported percentile and the true one for this latency. */
  public static long errorBound(long latency) {
    if (latency < EXACT_BELOW) {
      return 0;
    }
    int e = 63 - Long.numberOfLeadingZeros(Math.min(latency, MAX_TRACKED));
    return 1L << (e - 8);
  }

  static int entryIndex(int entry) {
    return entry >>> COUNT_BITS;
  }

  static int entryCount(int entry) {
    return entry & MAX_COUNT;
  }

  static int entry(int index, int count) {
    return (index << COUNT_BITS) | count;
  }
}
