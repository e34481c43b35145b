package io.healthwatch.core.rules;

import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchChannelStats;
import io.healthwatch.core.model.WatchSession;
import java.util.Collection;
import java.util.TreeMap;
import java.util.Map;
import java.util.function.Function;

/**
 * How a watch gathers statistics: for each channel it covers, the samples with {@code startedAt
 * <= timestamp < end} and the outages confirmed in that window, where {@code end} is {@code
 * endedAt} for an ended watch and {@code endsAt} for an active one.
 */
public final class WatchRules {
  private WatchRules() {}

  /** The end of the window whose samples count for this watch. */
  public static long windowEnd(WatchSession w) {
    return w.endedAt() != null ? Math.min(w.endedAt(), w.endsAt()) : w.endsAt();
  }

  /** The channels a watch reports on: its own list, or every known channel when the list is empty. */
  public static Collection<String> coveredChannels(WatchSession w, Collection<String> knownChannels) {
    return w.channels().isEmpty() ? knownChannels : w.channels();
  }

  /**
   * Computes the statistics of a watch.
   *
   * @param samplesOf the samples of a channel in the watch's window
   * @param outagesOf the outages of a channel (any window; filtered here)
   */
  public static Map<String, WatchChannelStats> stats(WatchSession w, Collection<String> knownChannels,
      Function<String, Iterable<Sample>> samplesOf, Function<String, Iterable<Outage>> outagesOf) {
    long end = windowEnd(w);
    Map<String, WatchChannelStats> stats = new TreeMap<>();
    for (String channel : coveredChannels(w, knownChannels)) {
      StatsAccumulator acc = new StatsAccumulator();
      for (Sample s : samplesOf.apply(channel)) {
        if (s.timestamp() >= w.startedAt() && s.timestamp() < end) {
          acc.add(s);
        }
      }
      long outages = 0;
      for (Outage o : outagesOf.apply(channel)) {
        if (o.confirmedAt() >= w.startedAt() && o.confirmedAt() < end) {
          outages++;
        }
      }
      stats.put(channel, acc.toWatchStats(outages));
    }
    return stats;
  }

  /**
   * Computes the statistics of a watch from each covered channel's window statistics (rollups and
   * raw edges, see {@link RollupPlan}) instead of its samples.
   *
   * @param windowOf the accumulated window {@code [startedAt, windowEnd)} of a channel
   * @param outagesOf the outages of a channel (any window; filtered here)
   */
  public static Map<String, WatchChannelStats> statsFromWindows(WatchSession w, Collection<String> knownChannels,
      Function<String, RollupBucket> windowOf, Function<String, Iterable<Outage>> outagesOf) {
    long end = windowEnd(w);
    Map<String, WatchChannelStats> stats = new TreeMap<>();
    for (String channel : coveredChannels(w, knownChannels)) {
      long outages = 0;
      for (Outage o : outagesOf.apply(channel)) {
        if (o.confirmedAt() >= w.startedAt() && o.confirmedAt() < end) {
          outages++;
        }
      }
      stats.put(channel, windowOf.apply(channel).toWatchStats(outages));
    }
    return stats;
  }
}
