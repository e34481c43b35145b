package io.healthwatch.core.storage;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Records written as they are by {@link HealthStore#restore}: what a backup, a migration or a
 * legacy import carries beyond new samples. Within one batch the channel states are written
 * first, so the samples of a restored channel are checked for duplicates against what is stored.
 *
 * @param channels channel states, replacing those of the same channel
 * @param samples samples stored without applying the rules (no state change, no outage, no
 *     event); those already stored are skipped
 * @param outages outages with their ids, replacing those of the same id
 * @param watches archived watches (replacing those of the same id), or the active one
 * @param custom custom values by key, replacing those of the same key
 */
public record RestoreBatch(List<ChannelState> channels, List<Sample> samples, List<Outage> outages,
    List<WatchSession> watches, Map<String, String> custom) {

  public RestoreBatch {
    channels = channels == null ? List.of() : List.copyOf(channels);
    samples = samples == null ? List.of() : List.copyOf(samples);
    outages = outages == null ? List.of() : List.copyOf(outages);
    watches = watches == null ? List.of() : List.copyOf(watches);
    custom = custom == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(custom));
  }

  public static RestoreBatch ofChannels(List<ChannelState> channels) {
    return new RestoreBatch(channels, null, null, null, null);
  }

  public static RestoreBatch ofSamples(List<Sample> samples) {
    return new RestoreBatch(null, samples, null, null, null);
  }

  public static RestoreBatch ofOutages(List<Outage> outages) {
    return new RestoreBatch(null, null, outages, null, null);
  }

  public static RestoreBatch ofWatches(List<WatchSession> watches) {
    return new RestoreBatch(null, null, null, watches, null);
  }

  public static RestoreBatch ofCustom(Map<String, String> custom) {
    return new RestoreBatch(null, null, null, null, custom);
  }

  /**
   * The archive of watches after restoring some: {@code existing} (newest first) with the archived
   * watches of this batch replacing those of the same id, newest first by start, at most {@code max}.
   */
  public List<WatchSession> mergeArchived(java.util.Collection<WatchSession> existing, int max) {
    Map<String, WatchSession> byId = new java.util.LinkedHashMap<>();
    existing.forEach(w -> byId.put(w.id(), w));
    watches.stream().filter(w -> !w.active()).forEach(w -> byId.put(w.id(), w));
    return byId.values().stream()
        .sorted(java.util.Comparator.comparingLong(WatchSession::startedAt).thenComparing(WatchSession::id).reversed())
        .limit(max)
        .toList();
  }

  /** The active watch of this batch, if it holds one. */
  public java.util.Optional<WatchSession> activeWatch() {
    return watches.stream().filter(WatchSession::active).reduce((a, b) -> b);
  }
}
