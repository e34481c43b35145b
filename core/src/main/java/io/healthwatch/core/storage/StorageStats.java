package io.healthwatch.core.storage;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Counts what a backend reports: for every {@link StorageOperation} and result, how many and how
 * long in total; and for {@link StorageOperation#COMMIT}, a sliding window of successes and
 * failures (per-bucket counts) from which the recent write success rate is read. Thread-safe; the
 * recording side never blocks.
 */
public final class StorageStats implements StorageListener {
  /** The default window: the last 5 minutes in 10-second buckets. */
  public static final long DEFAULT_WINDOW_MS = 5 * 60_000L;
  public static final long DEFAULT_BUCKET_MS = 10_000L;

  private final Map<StorageOperation, Counts[]> counts = new EnumMap<>(StorageOperation.class);
  private final LongSupplier clock;
  private final long bucketMs;
  private final long[] bucketStart;
  private final long[] bucketOk;
  private final long[] bucketFailed;

  /** Totals of one operation kind and result. */
  private static final class Counts {
    final LongAdder count = new LongAdder();
    final LongAdder nanos = new LongAdder();
  }

  /** The recent commits: how many succeeded and failed in the window. */
  public record Window(long windowMs, long succeeded, long failed) {
    public long total() {
      return succeeded + failed;
    }

    /** Successes over all, or null when nothing was written in the window. */
    public Double successRate() {
      return total() == 0 ? null : (double) succeeded / total();
    }
  }

  /** With the default window, on the given clock (epoch ms). */
  public StorageStats(LongSupplier clock) {
    this(clock, DEFAULT_WINDOW_MS, DEFAULT_BUCKET_MS);
  }

  public StorageStats(LongSupplier clock, long windowMs, long bucketMs) {
    if (bucketMs < 1 || windowMs < bucketMs || windowMs % bucketMs != 0) {
      throw new IllegalArgumentException("the window must be a positive multiple of the bucket length");
    }
    this.clock = clock;
    this.bucketMs = bucketMs;
    int buckets = (int) (windowMs / bucketMs);
    this.bucketStart = new long[buckets];
    this.bucketOk = new long[buckets];
    this.bucketFailed = new long[buckets];
    java.util.Arrays.fill(bucketStart, Long.MIN_VALUE);
    for (StorageOperation op : StorageOperation.values()) {
      counts.put(op, new Counts[] {new Counts(), new Counts()});
    }
  }

  @Override
  public void recordOperation(StorageOperation op, boolean success, long nanos) {
    Counts c = counts.get(op)[success ? 1 : 0];
    c.count.increment();
    c.nanos.add(Math.max(0, nanos));
    if (op == StorageOperation.COMMIT) {
      recordCommit(success);
    }
  }

  /** How many operations of this kind ended with this result, since start. */
  public long count(StorageOperation op, boolean success) {
    return counts.get(op)[success ? 1 : 0].count.sum();
  }

  /** Their total time in nanoseconds. */
  public long totalNanos(StorageOperation op, boolean success) {
    return counts.get(op)[success ? 1 : 0].nanos.sum();
  }

  private synchronized void recordCommit(boolean success) {
    long start = Math.floorDiv(clock.getAsLong(), bucketMs) * bucketMs;
    int i = (int) Math.floorMod(Math.floorDiv(start, bucketMs), (long) bucketStart.length);
    if (bucketStart[i] != start) {
      bucketStart[i] = start;
      bucketOk[i] = 0;
      bucketFailed[i] = 0;
    }
    if (success) {
      bucketOk[i]++;
    } else {
      bucketFailed[i]++;
    }
  }

  /** The commits of the window ending now (the current bucket and the whole ones before it). */
  public synchronized Window window() {
    long current = Math.floorDiv(clock.getAsLong(), bucketMs) * bucketMs;
    long oldest = current - (bucketStart.length - 1) * bucketMs;
    long ok = 0;
    long failed = 0;
    for (int i = 0; i < bucketStart.length; i++) {
      if (bucketStart[i] >= oldest && bucketStart[i] <= current) {
        ok += bucketOk[i];
        failed += bucketFailed[i];
      }
    }
    return new Window(bucketStart.length * bucketMs, ok, failed);
  }
}
