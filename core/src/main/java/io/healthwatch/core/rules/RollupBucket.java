package io.healthwatch.core.rules;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchChannelStats;
import io.healthwatch.core.model.WindowStats;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What the statistics of a window need from a set of samples, in a form that can be merged: counts
 * (total, successes), latency count, sum, minimum and maximum, and a {@link LatencyHistogram}. It
 * is a rollup bucket (a minute or an hour of one channel, keyed by {@link #start()}) and also the
 * accumulator of a window: buckets and raw samples are merged into one, which then gives the
 * {@link WindowStats}. Percentiles are nearest-rank over the histogram, clamped to the minimum and
 * maximum latency of the window (see {@link LatencyHistogram} for the error bound).
 */
public final class RollupBucket {
  private static final int[] EMPTY = new int[0];

  private final long start;
  private long total;
  private long ok;
  private long latencyCount;
  private long latencySum;
  private long latencyMin = Long.MAX_VALUE;
  private long latencyMax = Long.MIN_VALUE;
  private int[] histogram = EMPTY;

  public RollupBucket(long start) {
    this.start = start;
  }

  /** An accumulator of a window (its start is not used). */
  public static RollupBucket accumulator() {
    return new RollupBucket(0);
  }

  public long start() {
    return start;
  }

  public long total() {
    return total;
  }

  public long ok() {
    return ok;
  }

  public long failures() {
    return total - ok;
  }

  public long latencyCount() {
    return latencyCount;
  }

  public long latencySum() {
    return latencySum;
  }

  /** The smallest latency, or null without any. */
  public Long latencyMin() {
    return latencyCount == 0 ? null : latencyMin;
  }

  public Long latencyMax() {
    return latencyCount == 0 ? null : latencyMax;
  }

  public boolean isEmpty() {
    return total == 0;
  }

  public RollupBucket add(Sample s) {
    return add(s.success(), s.latencyMs());
  }

  public RollupBucket add(boolean success, Long latency) {
    total++;
    if (success) {
      ok++;
    }
    if (latency != null) {
      latencyCount++;
      latencySum += latency;
      latencyMin = Math.min(latencyMin, latency);
      latencyMax = Math.max(latencyMax, latency);
      addToHistogram(LatencyHistogram.index(latency));
    }
    return this;
  }

  private void addToHistogram(int index) {
    int[] h = histogram;
    int lo = 0;
    int hi = h.length - 1;
    int last = -1; // the last entry with this index (counts of repeated entries fill up in order)
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int idx = LatencyHistogram.entryIndex(h[mid]);
      if (idx <= index) {
        if (idx == index) {
          last = mid;
        }
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (last >= 0 && LatencyHistogram.entryCount(h[last]) < LatencyHistogram.MAX_COUNT) {
      h[last]++;
      return;
    }
    int at = lo;
    int[] grown = new int[h.length + 1];
    System.arraycopy(h, 0, grown, 0, at);
    grown[at] = LatencyHistogram.entry(index, 1);
    System.arraycopy(h, at, grown, at + 1, h.length - at);
    histogram = grown;
  }

  /** Adds everything of another bucket to this one. */
  public RollupBucket merge(RollupBucket other) {
    if (other.total == 0) {
      return this;
    }
    total += other.total;
    ok += other.ok;
    if (other.latencyCount > 0) {
      latencyCount += other.latencyCount;
      latencySum += other.latencySum;
      latencyMin = Math.min(latencyMin, other.latencyMin);
      latencyMax = Math.max(latencyMax, other.latencyMax);
      histogram = mergeHistograms(histogram, other.histogram);
    }
    return this;
  }

  private static int[] mergeHistograms(int[] a, int[] b) {
    if (a.length == 0) {
      return b.clone();
    }
    int[] out = new int[a.length + b.length];
    int n = 0;
    int i = 0;
    int j = 0;
    while (i < a.length || j < b.length) {
      int next;
      if (j >= b.length || (i < a.length && LatencyHistogram.entryIndex(a[i]) <= LatencyHistogram.entryIndex(b[j]))) {
        next = a[i++];
      } else {
        next = b[j++];
      }
      if (n > 0 && LatencyHistogram.entryIndex(out[n - 1]) == LatencyHistogram.entryIndex(next)) {
        long sum = (long) LatencyHistogram.entryCount(out[n - 1]) + LatencyHistogram.entryCount(next);
        if (sum <= LatencyHistogram.MAX_COUNT) {
          out[n - 1] = LatencyHistogram.entry(LatencyHistogram.entryIndex(next), (int) sum);
          continue;
        }
      }
      out[n++] = next;
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /** Nearest rank over the histogram, clamped to the real minimum and maximum; null without latencies. */
  public Long percentile(int p) {
    if (latencyCount == 0) {
      return null;
    }
    long rank = Math.max(1, (long) Math.ceil(p / 100.0 * latencyCount));
    long seen = 0;
    for (int e : histogram) {
      seen += LatencyHistogram.entryCount(e);
      if (seen >= rank) {
        long v = LatencyHistogram.representative(LatencyHistogram.entryIndex(e));
        return Math.max(latencyMin, Math.min(latencyMax, v));
      }
    }
    return latencyMax;
  }

  private Double availability() {
    if (total == 0) {
      return null;
    }
    return Math.round(ok * 10_000.0 / total) / 10_000.0;
  }

  public WindowStats toWindowStats(String channelId, long from, long to) {
    return new WindowStats(channelId, from, to, total, ok, total - ok, availability(), percentile(50),
        percentile(95), percentile(99));
  }

  public WatchChannelStats toWatchStats(long outages) {
    return new WatchChannelStats(total, ok, total - ok, availability(), percentile(50), percentile(95), outages);
  }

  // ---------------------------------------------------------------------------------------------
  // Compact encoding: unsigned LEB128 varints (zig-zag where a value may be negative).

  /** Writes everything but the start. */
  public void writeTo(ByteArrayOutputStream out) {
    byte[] buf = new byte[maxEncodedBytes()];
    out.write(buf, 0, encode(buf));
  }

  /**
   * At most how many bytes {@link #encode} writes: seven varints (six fields and the entry count)
   * of at most 10 bytes, and per histogram entry an index delta and a count of at most 5 bytes each.
   */
  private int maxEncodedBytes() {
    return 70 + histogram.length * 10;
  }

  /** Writes everything but the start into {@code buf} from 0; returns the length written. */
  private int encode(byte[] buf) {
    int at = writeVar(buf, 0, total);
    at = writeVar(buf, at, ok);
    at = writeVar(buf, at, latencyCount);
    if (latencyCount > 0) {
      at = writeVar(buf, at, latencySum);
      at = writeVar(buf, at, latencyMin);
      at = writeVar(buf, at, latencyMax - latencyMin);
      at = writeHistogram(buf, at);
    }
    return at;
  }

  /** The histogram: its entry count, then index delta and count per entry. */
  private int writeHistogram(byte[] buf, int at) {
    at = writeVar(buf, at, histogram.length);
    int prev = 0;
    for (int e : histogram) {
      int idx = LatencyHistogram.entryIndex(e);
      at = writeVar(buf, at, idx - prev);
      at = writeVar(buf, at, LatencyHistogram.entryCount(e));
      prev = idx;
    }
    return at;
  }

  /** Reads what {@link #writeHistogram} wrote. */
  private static int[] readHistogram(ByteBuffer in) {
    int n = (int) readVar(in);
    int[] h = new int[n];
    int prev = 0;
    for (int i = 0; i < n; i++) {
      int idx = prev + (int) readVar(in);
      h[i] = LatencyHistogram.entry(idx, (int) readVar(in));
      prev = idx;
    }
    return h;
  }

  /** Reads what {@link #writeTo} wrote into a bucket with the given start. */
  public static RollupBucket readFrom(ByteBuffer in, long start) {
    RollupBucket b = new RollupBucket(start);
    b.total = readVar(in);
    b.ok = readVar(in);
    b.latencyCount = readVar(in);
    if (b.latencyCount > 0) {
      b.latencySum = readVar(in);
      b.latencyMin = readVar(in);
      b.latencyMax = b.latencyMin + readVar(in);
      b.histogram = readHistogram(in);
    }
    return b;
  }

  /** The histogram alone as bytes (count, then index delta and count per entry), for a database column. */
  public byte[] histogramBytes() {
    byte[] buf = new byte[maxEncodedBytes()];
    return Arrays.copyOf(buf, writeHistogram(buf, 0));
  }

  /** A bucket from its columns, as a database stores it. */
  public static RollupBucket of(long start, long total, long ok, long latencyCount, long latencySum, Long latencyMin,
      Long latencyMax, byte[] histogramBytes) {
    RollupBucket b = new RollupBucket(start);
    b.total = total;
    b.ok = ok;
    b.latencyCount = latencyCount;
    if (latencyCount > 0) {
      b.latencySum = latencySum;
      b.latencyMin = latencyMin;
      b.latencyMax = latencyMax;
      b.histogram = readHistogram(ByteBuffer.wrap(histogramBytes));
    }
    return b;
  }

  /** This bucket (without its start) as bytes, for a database column. */
  public byte[] toBytes() {
    byte[] buf = new byte[maxEncodedBytes()];
    return Arrays.copyOf(buf, encode(buf));
  }

  public static RollupBucket fromBytes(byte[] bytes, long start) {
    return readFrom(ByteBuffer.wrap(bytes), start);
  }

  static void writeVar(ByteArrayOutputStream out, long v) {
    byte[] buf = new byte[10];
    out.write(buf, 0, writeVar(buf, 0, v));
  }

  /** Writes {@code v} as an unsigned varint at {@code at}; returns the position after it. */
  private static int writeVar(byte[] buf, int at, long v) {
    while ((v & ~0x7FL) != 0) {
      buf[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[at++] = (byte) v;
    return at;
  }

  static long readVar(ByteBuffer in) {
    long v = 0;
    int shift = 0;
    while (true) {
      byte b = in.get();
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
      shift += 7;
    }
  }

  static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RollupBucket b && b.start == start && b.total == total && b.ok == ok
        && b.latencyCount == latencyCount && b.latencySum == latencySum && b.latencyMin == latencyMin
        && b.latencyMax == latencyMax && Arrays.equals(b.histogram, histogram);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(start) * 31 + Long.hashCode(total);
  }

  @Override
  public String toString() {
    return "RollupBucket[start=" + start + ", total=" + total + ", ok=" + ok + ", latencies=" + latencyCount + "]";
  }
}
