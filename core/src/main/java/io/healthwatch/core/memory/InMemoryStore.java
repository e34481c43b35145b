package io.healthwatch.core.memory;

import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.model.WindowStats;
import io.healthwatch.core.rules.ChannelRules;
import io.healthwatch.core.rules.Ids;
import io.healthwatch.core.rules.RollupBucket;
import io.healthwatch.core.rules.RollupPlan;
import io.healthwatch.core.rules.Rollups;
import io.healthwatch.core.rules.WatchRules;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.RestoreBatch;
import io.healthwatch.core.storage.RetentionResult;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StorageGauges;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A store that keeps everything in memory, for tests and {@code --storage memory}. It is bounded
 * as STORAGE.md says: the newest {@link StoreOptions#getMaxCachedSamplesPerChannel} samples per
 * channel, {@link StoreOptions#getMaxCachedOutages} outages (closed ones dropped first) and {@link
 * StoreOptions#getMaxArchivedWatches} archived watches. What falls out of those bounds is gone:
 * nothing here survives the process. Since a dropped sample can no longer be recognised, a sample
 * at or before the newest one dropped from its channel is counted as a duplicate: this store may
 * forget, but it never doubles.
 *
 * <p>All operations are short and run under one lock, so several event loops may share the store.
 */
public class InMemoryStore implements HealthStore {
  /** The audit trail keeps the newest this many records. */
  public static final int MAX_AUDIT_RECORDS = 10_000;
  private static final Comparator<Sample> TIME_ORDER =
      Comparator.comparingLong(Sample::timestamp).thenComparing(Sample::probeId);

  private final StoreOptions options;
  private final ChannelRules rules;
  private final Vertx vertx;
  private final long timerId;
  private final List<Consumer<StoreEvent>> listeners = new CopyOnWriteArrayList<>();

  private final TreeMap<String, ChannelState> channels = new TreeMap<>();
  private final Map<String, NavigableMap<Sample, Sample>> samples = new HashMap<>();
  private final LinkedHashMap<String, Outage> outages = new LinkedHashMap<>();
  private final Deque<WatchSession> archive = new ArrayDeque<>();
  private final Map<String, String> custom = new HashMap<>();
  /** Per channel, the newest timestamp dropped from the cache. */
  private final Map<String, Long> forgottenUpTo = new HashMap<>();
  /** Minute and hour rollups of every stored sample, also of those the cache dropped. */
  private final Rollups rollups = new Rollups(true);
  /** The newest retention cutoff applied: raw samples before it are gone. */
  private long retentionCutoff = Long.MIN_VALUE;
  private final Deque<AuditRecord> audit = new ArrayDeque<>();
  private WatchSession active;
  private long cachedSamples;
  private boolean closed;

  public InMemoryStore(Vertx vertx, StoreOptions options) {
    this.vertx = vertx;
    this.options = new StoreOptions(options);
    this.rules = new ChannelRules(options.getOutageThreshold());
    this.timerId = vertx.setPeriodic(1_000, id -> expireWatch());
  }

  @Override
  public void addListener(Consumer<StoreEvent> listener) {
    listeners.add(listener);
  }

  @Override
  public Future<IngestResult> ingest(List<Sample> batch) {
    synchronized (this) {
      if (closed) {
        return closedFuture();
      }
      List<Sample> fresh = new ArrayList<>(batch.size());
      Set<Sample.SampleKey> seen = new HashSet<>();
      for (Sample s : batch) {
        NavigableMap<Sample, Sample> stored = samples.get(s.channelId());
        Long forgotten = forgottenUpTo.get(s.channelId());
        if ((stored != null && stored.containsKey(s)) || (forgotten != null && s.timestamp() <= forgotten)
            || !seen.add(s.key())) {
          continue;
        }
        fresh.add(s);
      }
      ChannelRules.Batch applied = rules.applyAll(fresh, channels::get, outages::get);
      fresh.forEach(this::keep);
      channels.putAll(applied.states());
      outages.putAll(applied.outages());
      trimOutages();
      IngestResult result = new IngestResult(fresh.size(), batch.size() - fresh.size(), applied.events());
      publish(result.events());
      return Future.succeededFuture(result);
    }
  }

  @Override
  public synchronized Future<List<ChannelState>> channels() {
    return Future.succeededFuture(List.copyOf(channels.values()));
  }

  @Override
  public synchronized Future<Optional<ChannelState>> channel(String channelId) {
    return Future.succeededFuture(Optional.ofNullable(channels.get(channelId)));
  }

  @Override
  public synchronized Future<List<Sample>> samples(String channelId, SampleQuery q) {
    NavigableMap<Sample, Sample> stored = samples.get(channelId);
    if (stored == null) {
      return Future.succeededFuture(List.of());
    }
    if (q.effectiveFrom() >= q.effectiveTo()) {
      return Future.succeededFuture(List.of());
    }
    NavigableMap<Sample, Sample> window = stored.subMap(
        bound(channelId, q.effectiveFrom()), true, bound(channelId, q.effectiveTo()), false);
    Iterable<Sample> ordered = q.order() == SortOrder.ASC ? window.keySet() : window.descendingKeySet();
    List<Sample> out = new ArrayList<>(Math.min(q.limit(), window.size()));
    for (Sample s : ordered) {
      if (out.size() == q.limit()) {
        break;
      }
      if (q.afterCursor(s)) {
        out.add(s);
      }
    }
    return Future.succeededFuture(out);
  }

  /** Keeps a new sample within the bound of the channel, forgetting its oldest one beyond it. */
  private void keep(Sample s) {
    NavigableMap<Sample, Sample> stored = samples.computeIfAbsent(s.channelId(), k -> new TreeMap<>(TIME_ORDER));
    stored.put(s, s);
    rollups.add(s);
    cachedSamples++;
    if (stored.size() > options.getMaxCachedSamplesPerChannel()) {
      long forgotten = stored.pollFirstEntry().getKey().timestamp();
      forgottenUpTo.put(s.channelId(), forgotten);
      // Windows use minute buckets only after the raw floor's hour: older ones would only cost memory.
      rollups.dropMinutesBefore(s.channelId(), RollupPlan.floor(forgotten, RollupPlan.HOUR));
      cachedSamples--;
    }
  }

  /** A key that sorts before every sample at {@code timestamp}. */
  private static Sample bound(String channelId, long timestamp) {
    return new Sample(channelId, timestamp, true, null, null, null, "");
  }

  @Override
  public synchronized Future<WindowStats> stats(String channelId, long from, long to) {
    return Future.succeededFuture(window(channelId, from, to).toWindowStats(channelId, from, to));
  }

  /**
   * A window from the rollups, with raw samples for the partial minutes at its edges. Raw samples
   * are complete after the retention cutoff and after the newest sample the cache dropped.
   */
  private RollupBucket window(String channelId, long from, long to) {
    NavigableMap<Sample, Sample> stored = samples.get(channelId);
    Long forgotten = forgottenUpTo.get(channelId);
    long rawFloor = Math.max(retentionCutoff, forgotten == null ? Long.MIN_VALUE : forgotten + 1);
    try {
      return rollups.window(channelId, from, to, rawFloor, (a, b, out) -> {
        if (stored != null) {
          stored.subMap(bound(channelId, a), true, bound(channelId, b), false).keySet().forEach(out);
        }
      });
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // never: reading memory does no I/O
    }
  }

  @Override
  public synchronized Future<List<Outage>> outages(OutageQuery q) {
    List<Outage> out = outages.values().stream()
        .filter(q::matches)
        .sorted(Comparator.comparingLong(Outage::firstFailureAt).thenComparing(Outage::id).reversed())
        .limit(q.limit())
        .toList();
    return Future.succeededFuture(out);
  }

  @Override
  public synchronized Future<Optional<Outage>> outage(String outageId) {
    return Future.succeededFuture(Optional.ofNullable(outages.get(outageId)));
  }

  @Override
  public Future<WatchSession> startWatch(long durationMs, List<String> watched) {
    synchronized (this) {
      if (closed) {
        return closedFuture();
      }
      expireWatch();
      if (active != null) {
        return Future.failedFuture(StorageException.conflict("a watch is already active: " + active.id()));
      }
      long now = options.getClock().millis();
      active = new WatchSession(Ids.next(now), now, now + durationMs, null, watched, Map.of());
      WatchSession started = withStats(active);
      publish(List.of(new StoreEvent.WatchChanged(started)));
      return Future.succeededFuture(started);
    }
  }

  @Override
  public synchronized Future<Optional<WatchSession>> currentWatch() {
    expireWatch();
    return Future.succeededFuture(Optional.ofNullable(active).map(this::withStats));
  }

  @Override
  public synchronized Future<Optional<WatchSession>> stopWatch() {
    expireWatch();
    if (active == null) {
      return Future.succeededFuture(Optional.empty());
    }
    return Future.succeededFuture(Optional.of(archive(options.getClock().millis())));
  }

  @Override
  public synchronized Future<List<WatchSession>> watches(int limit) {
    expireWatch();
    return Future.succeededFuture(archive.stream().limit(limit).toList());
  }

  private void expireWatch() {
    synchronized (this) {
      if (active != null && options.getClock().millis() >= active.endsAt()) {
        archive(active.endsAt());
      }
    }
  }

  private WatchSession archive(long endedAt) {
    WatchSession ended = withStats(active.endedAt(endedAt));
    active = null;
    archive.addFirst(ended);
    while (archive.size() > options.getMaxArchivedWatches()) {
      archive.removeLast();
    }
    publish(List.of(new StoreEvent.WatchChanged(ended)));
    return ended;
  }

  private WatchSession withStats(WatchSession w) {
    long end = WatchRules.windowEnd(w);
    return w.withStats(WatchRules.statsFromWindows(w, channels.keySet(), c -> window(c, w.startedAt(), end),
        c -> outages.values().stream().filter(o -> o.channelId().equals(c)).toList()));
  }

  @Override
  public synchronized Future<Void> putCustom(String key, String json) {
    custom.put(key, json);
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Optional<String>> custom(String key) {
    return Future.succeededFuture(Optional.ofNullable(custom.get(key)));
  }

  @Override
  public synchronized Future<Boolean> deleteCustom(String key) {
    return Future.succeededFuture(custom.remove(key) != null);
  }

  @Override
  public synchronized Future<Boolean> deleteChannel(String channelId) {
    if (channels.remove(channelId) == null) {
      return Future.succeededFuture(false);
    }
    forgottenUpTo.remove(channelId);
    rollups.deleteChannel(channelId);
    NavigableMap<Sample, Sample> removed = samples.remove(channelId);
    if (removed != null) {
      cachedSamples -= removed.size();
    }
    outages.values().removeIf(o -> o.channelId().equals(channelId));
    return Future.succeededFuture(true);
  }

  @Override
  public synchronized Future<RetentionResult> applyRetention(long cutoff) {
    long removed = 0;
    for (NavigableMap<Sample, Sample> stored : samples.values()) {
      NavigableMap<Sample, Sample> old = stored.headMap(bound("", cutoff), false);
      removed += old.size();
      old.clear();
    }
    cachedSamples -= removed;
    retentionCutoff = Math.max(retentionCutoff, cutoff);
    long rollupCutoff = options.rollupCutoff(cutoff);
    long buckets = rollups.dropBefore(cutoff, rollupCutoff);
    return Future.succeededFuture(new RetentionResult(cutoff, removed, rollupCutoff, buckets));
  }

  // ---- audit trail (audit-export) ----

  @Override
  public synchronized Future<Void> audit(AuditRecord record) {
    if (closed) {
      return closedFuture();
    }
    audit.addLast(record);
    while (audit.size() > MAX_AUDIT_RECORDS) {
      audit.removeFirst();
    }
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<List<AuditRecord>> auditLog(long from, long to, int limit) {
    List<AuditRecord> out = new ArrayList<>();
    Iterator<AuditRecord> newestFirst = audit.descendingIterator();
    while (newestFirst.hasNext() && out.size() < limit) {
      AuditRecord r = newestFirst.next();
      if (r.time() >= from && r.time() < to) {
        out.add(r);
      }
    }
    out.sort(Comparator.comparingLong(AuditRecord::time).reversed());
    return Future.succeededFuture(out);
  }

  // ---- end of audit trail ----

  @Override
  public synchronized Future<Integer> restore(RestoreBatch batch) {
    if (closed) {
      return closedFuture();
    }
    expireWatch();
    Optional<WatchSession> restoredActive = batch.activeWatch();
    if (restoredActive.isPresent() && active != null && !active.id().equals(restoredActive.get().id())) {
      return Future.failedFuture(StorageException.conflict("a watch is already active: " + active.id()));
    }
    batch.channels().forEach(c -> channels.put(c.channelId(), c));
    int fresh = 0;
    for (Sample s : batch.samples()) {
      NavigableMap<Sample, Sample> stored = samples.get(s.channelId());
      Long forgotten = forgottenUpTo.get(s.channelId());
      if ((stored != null && stored.containsKey(s)) || (forgotten != null && s.timestamp() <= forgotten)) {
        continue;
      }
      fresh++;
      keep(s);
    }
    batch.outages().forEach(o -> outages.put(o.id(), o));
    trimOutages();
    restoredActive.ifPresent(w -> active = w);
    List<WatchSession> merged = batch.mergeArchived(archive, options.getMaxArchivedWatches());
    archive.clear();
    archive.addAll(merged);
    custom.putAll(batch.custom());
    return Future.succeededFuture(fresh);
  }

  @Override
  public synchronized Future<StoreHealth> health() {
    StoreHealth.Status status = closed ? StoreHealth.Status.DOWN : StoreHealth.Status.UP;
    List<String> problems = closed ? List.of("store is closed") : List.of();
    return Future.succeededFuture(new StoreHealth(status, problems,
        new StoreHealth.CacheUsage(cachedSamples, options.getMaxCachedSamplesPerChannel(), outages.size(), archive.size()),
        Map.of("backend", "memory", "channels", channels.size(), "rollupBuckets", rollups.bucketCount())));
  }

  @Override
  public synchronized Future<StorageGauges> gauges() {
    long oldest = samples.values().stream().filter(m -> !m.isEmpty())
        .mapToLong(m -> m.firstKey().timestamp()).min().orElse(StorageGauges.UNKNOWN);
    return Future.succeededFuture(new StorageGauges(StorageGauges.UNKNOWN, StorageGauges.UNKNOWN,
        StorageGauges.UNKNOWN, oldest, channels.size(), cachedSamples));
  }

  @Override
  public synchronized Future<Void> close() {
    closed = true;
    vertx.cancelTimer(timerId);
    return Future.succeededFuture();
  }

  private void trimOutages() {
    Iterator<Outage> it = outages.values().iterator();
    while (outages.size() > options.getMaxCachedOutages() && it.hasNext()) {
      if (!it.next().open()) {
        it.remove();
      }
    }
  }

  private void publish(List<StoreEvent> events) {
    for (StoreEvent e : events) {
      for (Consumer<StoreEvent> l : listeners) {
        l.accept(e);
      }
    }
  }

  private static <T> Future<T> closedFuture() {
    return Future.failedFuture(StorageException.unavailable("the store is closed", null));
  }
}
