package io.healthwatch.core.storage;

import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.model.WindowStats;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one storage API the server talks to. Every method returns a {@link Future} and none blocks
 * the caller, so it may be called from an event loop. Input is already validated: backends never
 * validate again.
 *
 * <p>A write's Future succeeds only once the write is durable (see STORAGE.md): fsync'd on disk,
 * committed in a database. A failed write fails its Future with a {@link StorageException} whose
 * code says what the client is told; nothing of a failed batch is stored.
 */
public interface HealthStore {

  /**
   * Stores a validated batch as one unit: all of it with the states and outages it changes, or
   * none of it. Samples whose identity is already stored (before or earlier in this batch) are
   * counted as duplicates and cause no event.
   */
  Future<IngestResult> ingest(List<Sample> samples);

  /** Every known channel, sorted by channel id. */
  Future<List<ChannelState>> channels();

  /** One channel, or empty if no sample of it is stored. */
  Future<Optional<ChannelState>> channel(String channelId);

  /** A window of one channel's samples; empty for an unknown channel. */
  Future<List<Sample>> samples(String channelId, SampleQuery query);

  /** Counts, availability and latency percentiles over {@code from <= timestamp < to}. */
  Future<WindowStats> stats(String channelId, long from, long to);

  /** Outages matching the query, newest first. */
  Future<List<Outage>> outages(OutageQuery query);

  Future<Optional<Outage>> outage(String outageId);

  /**
   * Starts a watch of {@code durationMs} over the given channels (empty: every channel). Fails with
   * {@code CONFLICT} while another watch is active.
   */
  Future<WatchSession> startWatch(long durationMs, List<String> channels);

  /** The active watch with its statistics so far, or empty. */
  Future<Optional<WatchSession>> currentWatch();

  /** Ends the active watch and archives it with its final statistics; empty if none is active. */
  Future<Optional<WatchSession>> stopWatch();

  /** Archived watches, newest first. */
  Future<List<WatchSession>> watches(int limit);

  /** Stores a custom JSON value (its text) under a key, replacing any earlier one. */
  Future<Void> putCustom(String key, String json);

  Future<Optional<String>> custom(String key);

  /** Removes a custom value; false if there was none. */
  Future<Boolean> deleteCustom(String key);

  /** Removes a channel with its samples and outages; false if the channel was unknown. */
  Future<Boolean> deleteChannel(String channelId);

  /** Drops samples with a timestamp before {@code cutoff}; channel states and outages stay. */
  Future<RetentionResult> applyRetention(long cutoff);

  /**
   * Writes the records of a backup, a migration or a legacy import as they are (see {@link
   * RestoreBatch}), all of them or none, durably. No rule is applied and no event is published.
   * Fails with {@code CONFLICT} when the batch holds an active watch and another one is active.
   * Returns how many of its samples were new.
   */
  Future<Integer> restore(RestoreBatch batch);

  /** Whether the store takes writes now, and why not. */
  Future<StoreHealth> health();

  /**
   * How much the store holds now: data size, free space, segments, oldest sample, cache. A backend
   * that cannot tell reports {@link StorageGauges#NONE}. Never fails because the storage is
   * unavailable: figures it cannot get are {@link StorageGauges#UNKNOWN}.
   */
  default Future<StorageGauges> gauges() {
    return Future.succeededFuture(StorageGauges.NONE);
  }

  /**
   * Registers a listener for every event this store causes: those of ingestion (also returned in
   * {@link IngestResult}), watch start and end (including a watch ending by itself at its planned
   * end). Listeners are called after the write is durable, in order, never concurrently for one
   * store.
   */
  void addListener(Consumer<StoreEvent> listener);

  // ---- audit trail (audit-export) ----------------------------------------------------------

  /**
   * Appends a record to the audit trail; succeeds once it is durable (fsync'd on disk, committed
   * in a database). Every change that is not ingestion is recorded this way, by the server and by
   * commands (imports, restores, migrations).
   */
  Future<Void> audit(AuditRecord record);

  /**
   * Audit records with {@code from <= time < to}, newest first (in the order they were appended
   * when times are equal), at most {@code limit}.
   */
  Future<List<AuditRecord>> auditLog(long from, long to, int limit);

  // ---- end of audit trail -------------------------------------------------------------------

  /** Flushes and releases everything; the store takes no call afterwards. */
  Future<Void> close();
}
