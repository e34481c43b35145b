package io.healthwatch.core.rules;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The buckets of one channel at one granularity (minute or hour), sorted by start in a plain
 * array: no map entry or boxed key per bucket, appends at the end (the usual case) are cheap, and a
 * range is found by binary search.
 */
public final class RollupSeries {
  private final long unit;
  private RollupBucket[] buckets = new RollupBucket[4];
  private int size;

  public RollupSeries(long unit) {
    this.unit = unit;
  }

  public long unit() {
    return unit;
  }

  public int size() {
    return size;
  }

  public void add(long timestamp, boolean success, Long latency) {
    bucketFor(RollupPlan.floor(timestamp, unit)).add(success, latency);
  }

  /** Merges a bucket (for example one read back or built elsewhere) into the bucket of its start. */
  public void merge(RollupBucket b) {
    bucketFor(b.start()).merge(b);
  }

  private RollupBucket bucketFor(long start) {
    if (size > 0 && buckets[size - 1].start() == start) {
      return buckets[size - 1];
    }
    int at = search(start);
    if (at >= 0) {
      return buckets[at];
    }
    at = -at - 1;
    if (size == buckets.length) {
      buckets = Arrays.copyOf(buckets, size + Math.max(4, size / 2));
    }
    System.arraycopy(buckets, at, buckets, at + 1, size - at);
    RollupBucket b = new RollupBucket(start);
    buckets[at] = b;
    size++;
    return b;
  }

  /** Binary search by start: the position, or {@code -(insertion point) - 1}. */
  private int search(long start) {
    int lo = 0;
    int hi = size - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long s = buckets[mid].start();
      if (s < start) {
        lo = mid + 1;
      } else if (s > start) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -lo - 1;
  }

  private int firstAtOrAfter(long start) {
    int at = search(start);
    return at >= 0 ? at : -at - 1;
  }

  /** Every bucket whose start lies in {@code [from, to)}, oldest first. */
  public void forEach(long from, long to, Consumer<RollupBucket> out) {
    for (int i = firstAtOrAfter(from); i < size && buckets[i].start() < to; i++) {
      out.accept(buckets[i]);
    }
  }

  /** Drops the buckets that start before {@code cutoff}; returns how many. */
  public int dropBefore(long cutoff) {
    int n = firstAtOrAfter(cutoff);
    if (n > 0) {
      System.arraycopy(buckets, n, buckets, 0, size - n);
      Arrays.fill(buckets, size - n, size, null);
      size -= n;
    }
    return n;
  }

  /** The buckets as bytes: count, then per bucket the start delta and the bucket. */
  public void writeTo(ByteArrayOutputStream out) {
    RollupBucket.writeVar(out, size);
    long prev = 0;
    for (int i = 0; i < size; i++) {
      RollupBucket.writeVar(out, RollupBucket.zigzag(buckets[i].start() - prev));
      prev = buckets[i].start();
      buckets[i].writeTo(out);
    }
  }

  public static RollupSeries readFrom(ByteBuffer in, long unit) {
    RollupSeries s = new RollupSeries(unit);
    int n = (int) RollupBucket.readVar(in);
    s.buckets = new RollupBucket[Math.max(4, n)];
    long prev = 0;
    for (int i = 0; i < n; i++) {
      long start = prev + RollupBucket.unzigzag(RollupBucket.readVar(in));
      s.buckets[i] = RollupBucket.readFrom(in, start);
      prev = start;
    }
    s.size = n;
    return s;
  }
}
