package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.rules.RollupBucket;
import io.healthwatch.core.rules.Rollups;
import io.healthwatch.core.storage.StoreOptions;
import java.io.IOException;
import java.util.Map;

/**
 * The disk engine's rollups: hour buckets of every channel, held in memory, maintained by the same
 * code path that applies a batch (live and in replay), written into every snapshot and so rebuilt
 * exactly by recovery (snapshot + replay of the log after it). Minute buckets are not kept here:
 * they would cost memory in proportion to the raw history, and the partial hours at the edges of a
 * window are read from raw samples through the time index instead (at most two hours per window).
 *
 * <p>{@code rawFloor} is the newest retention cutoff: raw samples are complete at or after it;
 * before it, windows count whole hour buckets (see {@link io.healthwatch.core.rules.RollupPlan}).
 */
final class RollupStore {
  private final Rollups rollups = new Rollups(false);
  private final StoreOptions options;
  private long rawFloor = Long.MIN_VALUE;
  /** Whether the loaded snapshot had no rollups (written before they existed): rebuild from the log. */
  private boolean needsRebuild;

  RollupStore(StoreOptions options) {
    this.options = options;
  }

  void clear() {
    rollups.clear();
    rawFloor = Long.MIN_VALUE;
    needsRebuild = false;
  }

  void add(Sample s) {
    rollups.add(s);
  }

  void deleteChannel(String channelId) {
    rollups.deleteChannel(channelId);
  }

  /** Applies a retention cutoff (raw samples before it are gone); returns the hour buckets dropped. */
  long retention(long cutoff) {
    rawFloor = Math.max(rawFloor, cutoff);
    return rollups.dropBefore(cutoff, options.rollupCutoff(cutoff));
  }

  long rollupCutoff(long cutoff) {
    return options.rollupCutoff(cutoff);
  }

  RollupBucket window(String channelId, long from, long to, Rollups.RawReader raw) throws IOException {
    return rollups.window(channelId, from, to, rawFloor, raw);
  }

  long buckets() {
    return rollups.bucketCount();
  }

  /**
   * What a snapshot's JSON holds of the rollups: the raw floor, and in version 1 snapshots the
   * channels' buckets as base64 strings (version 2 writes no channels here, see {@link #channelBytes}).
   */
  record State(long rawFloor, Map<String, String> channels) {}

  State state() {
    return new State(rawFloor, Map.of());
  }

  /** Every channel's encoded buckets, for the binary part of a snapshot. */
  Map<String, byte[]> channelBytes() {
    return rollups.encodeBytes();
  }

  /**
   * Restores a snapshot's rollups: {@code channels} from its binary part, or (null, version 1) the
   * base64 strings of its JSON; a snapshot without rollups asks for a rebuild after recovery.
   */
  void restore(State s, Map<String, byte[]> channels) {
    clear();
    if (s == null) {
      needsRebuild = true;
      return;
    }
    rawFloor = s.rawFloor();
    if (channels != null) {
      rollups.decodeBytes(channels);
    } else {
      rollups.decode(s.channels());
    }
  }

  boolean needsRebuild() {
    return needsRebuild;
  }

  /** Before a rebuild from every stored sample: forget what replay added, keep the raw floor. */
  void startRebuild() {
    rollups.clear();
    needsRebuild = false;
  }
}
