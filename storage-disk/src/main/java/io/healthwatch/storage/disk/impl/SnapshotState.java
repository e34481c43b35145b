package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.WatchSession;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint of the state after every log record before {@code position}. Outages are the ones
 * held in memory, in insertion order; older closed ones are in the outage archive, of which
 * {@code outageArchive} records the length and newest times when the snapshot was written.
 * {@code rollups} are the hour rollups (null in snapshots written before rollups existed: they are
 * then rebuilt once from the log).
 */
record SnapshotState(
    int version,
    long position,
    List<ChannelState> channels,
    List<Outage> outages,
    WatchSession activeWatch,
    List<WatchSession> archivedWatches,
    Map<String, String> custom,
    Map<String, Long> deletions,
    List<long[]> retentionMarks,
    OutageArchive.Summary outageArchive,
    RollupStore.State rollups) {
  static final int VERSION = 1;
}
