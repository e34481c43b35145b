package io.healthwatch.core.rules;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchChannelStats;
import io.healthwatch.core.model.WindowStats;
import java.util.Arrays;

/**
 * Counts and latency percentiles of a set of samples. Percentiles use the nearest-rank method
 * over the samples that have a latency, so each is a latency that was really measured;
 * availability is rounded to four decimals.
 */
public final class StatsAccumulator {
  private long samples;
  private long successes;
  private long[] latencies = new long[16];
  private int latencyCount;

  public StatsAccumulator add(Sample s) {
    return add(s.success(), s.latencyMs());
  }

  public StatsAccumulator add(boolean success, Long latencyMs) {
    samples++;
    if (success) {
      successes++;
    }
    if (latencyMs != null) {
      if (latencyCount == latencies.length) {
        latencies = Arrays.copyOf(latencies, latencyCount * 2);
      }
      latencies[latencyCount++] = latencyMs;
    }
    return this;
  }

  public long samples() {
    return samples;
  }

  public WindowStats toWindowStats(String channelId, long from, long to) {
    long[] sorted = sortedLatencies();
    return new WindowStats(channelId, from, to, samples, successes, samples - successes, availability(),
        percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99));
  }

  public WatchChannelStats toWatchStats(long outages) {
    long[] sorted = sortedLatencies();
    return new WatchChannelStats(samples, successes, samples - successes, availability(), percentile(sorted, 50),
        percentile(sorted, 95), outages);
  }

  private Double availability() {
    if (samples == 0) {
      return null;
    }
    return Math.round(successes * 10_000.0 / samples) / 10_000.0;
  }

  private long[] sortedLatencies() {
    long[] sorted = Arrays.copyOf(latencies, latencyCount);
    Arrays.sort(sorted);
    return sorted;
  }

  /** Nearest rank: the smallest value with at least p% of the values at or below it. */
  static Long percentile(long[] sorted, int p) {
    if (sorted.length == 0) {
      return null;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
