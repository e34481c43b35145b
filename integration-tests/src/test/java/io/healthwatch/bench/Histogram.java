package io.healthwatch.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts of values in microseconds, safe to record from many threads: 10 µs buckets up to 100 ms,
 * then 1 ms buckets up to 100 s. Percentiles are nearest-rank, to the upper edge of a bucket.
 */
final class Histogram {
  private static final int FINE = 10_000;
  private static final int COARSE = 100_000;
  private final AtomicLongArray counts = new AtomicLongArray(FINE + COARSE);

  void record(long micros) {
    long v = Math.max(0, micros);
    int bucket = v < FINE * 10L ? (int) (v / 10) : (int) Math.min(FINE + COARSE - 1, FINE + v / 1_000);
    counts.incrementAndGet(bucket);
  }

  long count() {
    long n = 0;
    for (int i = 0; i < counts.length(); i++) {
      n += counts.get(i);
    }
    return n;
  }

  /** The {@code p}-th percentile in microseconds; NaN when nothing was recorded. */
  double percentile(double p) {
    long total = count();
    if (total == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(p / 100 * total));
    long seen = 0;
    for (int i = 0; i < counts.length(); i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return i < FINE ? (i + 1) * 10.0 : (i - FINE + 1) * 1_000.0;
      }
    }
    return Double.NaN;
  }
}
