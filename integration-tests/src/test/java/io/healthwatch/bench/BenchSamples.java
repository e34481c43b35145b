package io.healthwatch.bench;

import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;

/**
 * The samples the benchmarks send, numbered by a sequence: sample {@code seq} belongs to the
 * {@code seq % count}-th channel of the shape and is the {@code seq / count}-th of its channel,
 * {@code interval} ms after the one before. A {@link #slice} is the share of one writer: every
 * {@code n}-th channel, so that writers, like probes, never share a channel. One shape for the JSON
 * of HTTP requests and for SQL rows, so that both sides of a comparison write the same rows.
 */
public final class BenchSamples {
  private final String prefix;
  private final int offset;
  private final int stride;
  private final int count;
  private final long start;
  private final long interval;

  private BenchSamples(String prefix, int offset, int stride, int count, long start, long interval) {
    this.prefix = prefix;
    this.offset = offset;
    this.stride = stride;
    this.count = count;
    this.start = start;
    this.interval = Math.max(1, interval);
  }

  /**
   * @param start timestamp of sample 0
   * @param interval milliseconds between two samples of a channel (at least 1)
   */
  public BenchSamples(String prefix, int channels, long start, long interval) {
    this(prefix, 0, 1, channels, start, interval);
  }

  /** Consecutive milliseconds: sample {@code seq} at {@code start + seq}, channels taking turns. */
  public static BenchSamples live(String prefix, int channels, long start) {
    return new BenchSamples(prefix, channels, start, channels);
  }

  /** The channels {@code index}, {@code index + of}, {@code index + 2 * of}, ... of this shape, numbered anew. */
  public BenchSamples slice(int index, int of) {
    int channels = Math.max(1, (count - index + of - 1) / of);
    return new BenchSamples(prefix, offset + stride * index, stride * of, channels, start, interval);
  }

  /** The {@code n} slices of this shape, one per writer. */
  public BenchSamples[] slices(int n) {
    BenchSamples[] slices = new BenchSamples[n];
    for (int s = 0; s < n; s++) {
      slices[s] = slice(s, n);
    }
    return slices;
  }

  private long channelNumber(long seq) {
    return offset + (long) stride * (seq % count);
  }

  public String channel(long seq) {
    return prefix + channelNumber(seq);
  }

  public long timestamp(long seq) {
    return start + (seq / count) * interval + seq % count;
  }

  /** The sequence number of a sample of this shape, from its timestamp (for {@link #live} shapes). */
  public long sequenceOf(long timestamp) {
    return timestamp - start;
  }

  private static boolean success(long seq) {
    return seq % 17 != 0;
  }

  private static long latency(long seq) {
    return 20 + seq % 180;
  }

  public Sample sample(long seq) {
    boolean ok = success(seq);
    return new Sample(channel(seq), timestamp(seq), ok, latency(seq), ok ? null : Reason.TIMEOUT,
        ok ? null : "no answer within 5s", null);
  }

  /** Appends sample {@code seq} as API JSON, the same fields {@link #sample} has. */
  public void appendJson(StringBuilder sb, long seq) {
    boolean ok = success(seq);
    sb.append("{\"channelId\":\"").append(prefix).append(channelNumber(seq)).append("\",\"timestamp\":").append(timestamp(seq))
        .append(",\"success\":").append(ok).append(",\"latencyMs\":").append(latency(seq));
    if (!ok) {
      sb.append(",\"reason\":\"timeout\",\"note\":\"no answer within 5s\"");
    }
    sb.append('}');
  }

  /** Samples {@code first} to {@code first + count - 1} as a JSON array. */
  public String jsonBatch(long first, int count) {
    StringBuilder sb = new StringBuilder(count * 110).append('[');
    for (int i = 0; i < count; i++) {
      if (i > 0) {
        sb.append(',');
      }
      appendJson(sb, first + i);
    }
    return sb.append(']').toString();
  }
}
