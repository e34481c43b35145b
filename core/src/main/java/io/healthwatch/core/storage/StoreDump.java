package io.healthwatch.core.storage;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * A read-only, consistent view of everything a store holds, as it was when the dump was opened:
 * what a backup archives and a migration copies. Records come as stored (an active watch without
 * statistics, outages with their ids). Opening one never takes a store's lock, so it works while a
 * server keeps writing to the same store.
 */
public interface StoreDump {

  /** Every channel state, sorted by channel id. */
  Future<List<ChannelState>> channels();

  /**
   * Up to {@code limit} samples of a channel in ascending (timestamp, probe id) order, strictly
   * after {@code after} (null: from the first).
   */
  Future<List<Sample>> samples(String channelId, Sample.SampleKey after, int limit);

  /** Every outage, open and closed. */
  Future<List<Outage>> outages();

  /** The active watch (if any) followed by the archived ones, newest first. */
  Future<List<WatchSession>> watches();

  /** Every custom value by key. */
  Future<Map<String, String>> custom();

  /** Releases what the dump holds (files, a database connection). */
  Future<Void> close();
}
