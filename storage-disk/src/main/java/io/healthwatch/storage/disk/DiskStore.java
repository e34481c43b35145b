package io.healthwatch.storage.disk;

import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.model.WindowStats;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.RetentionResult;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StorageGauges;
import io.healthwatch.core.storage.StorageListener;
import io.healthwatch.core.storage.StorageOperation;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.storage.disk.impl.AuditFile;
import io.healthwatch.core.storage.RestoreBatch;
import io.healthwatch.core.storage.StoreDump;
import io.healthwatch.storage.disk.impl.DiskDump;
import io.healthwatch.storage.disk.impl.DiskEngine;
import io.healthwatch.storage.disk.impl.DiskVerifier;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The embedded, crash-safe disk backend (STORAGE.md, "Disk backend"). Writes go to one writer
 * thread that appends the records of every waiting write, fsyncs once and only then completes
 * their Futures (group commit); reads run on Vert.x worker threads. No file work ever runs on an
 * event loop.
 *
 * <p>Open it with {@link #open}; a second open of the same data directory, from this or another
 * process, fails with a {@link StorageException} naming the directory.
 */
public final class DiskStore implements HealthStore {
  private static final System.Logger LOG = System.getLogger(DiskStore.class.getName());
  private static final int MAX_GROUP = 1_024;

  private final Vertx vertx;
  private final DiskEngine engine;
  private final AuditFile audit;
  private final Context context;
  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
  private final List<Consumer<StoreEvent>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean expirySubmitted = new AtomicBoolean();
  private final StorageListener listener;
  private final Thread writer;
  private final long timerId;
  private volatile boolean closed;
  // Compression of sealed segments: one background thread, never the writer or an event loop.
  private final boolean autoCompact;
  private final ExecutorService compactor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "healthwatch-disk-compactor");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean compactionQueued = new AtomicBoolean();
  private volatile boolean stopping;

  /** One write (or read that may write) waiting for the writer thread. */
  private static final class Op<T> {
    final Action<T> action;
    final Promise<T> promise = Promise.promise();
    final Context context;
    T result;
    Throwable error;

    Op(Action<T> action, Context context) {
      this.action = action;
      this.context = context;
    }

    void complete() {
      context.runOnContext(v -> {
        if (error != null) {
          promise.fail(error);
        } else {
          promise.complete(result);
        }
      });
    }
  }

  @FunctionalInterface
  private interface Action<T> {
    T run(DiskEngine engine) throws IOException;
  }

  /** The durable channel states, replaced after every group of writes: reads of them wait for nothing. */
  private record ChannelView(Map<String, ChannelState> byId, List<ChannelState> sorted) {}

  private volatile ChannelView channelView = new ChannelView(Map.of(), List.of());

  private void refreshChannelView() {
    Map<String, ChannelState> current = engine.channelView();
    if (current != channelView.byId()) {
      channelView = new ChannelView(current, List.copyOf(current.values()));
    }
  }

  private DiskStore(Vertx vertx, DiskEngine engine, AuditFile audit, Context context,
      StorageListener listener, boolean autoCompact) {
    this.vertx = vertx;
    this.listener = listener;
    this.engine = engine;
    this.audit = audit;
    refreshChannelView();
    this.context = context;
    this.autoCompact = autoCompact;
    this.writer = new Thread(this::runWriter, "healthwatch-disk-writer");
    this.writer.setDaemon(true);
    this.writer.start();
    this.timerId = vertx.setPeriodic(1_000, id -> {
      if (engine.watchExpired() && expirySubmitted.compareAndSet(false, true)) {
        submit(e -> {
          expirySubmitted.set(false);
          e.expireWatch();
          return null;
        }).onFailure(err -> LOG.log(System.Logger.Level.WARNING, "could not end the expired watch: " + err.getMessage()));
      }
    });
  }

  /**
   * Opens (creating if needed) the store in {@code options.getDataDir()}: takes the directory's lock,
   * removes leftover temp files, loads the newest valid snapshot and replays the log after it.
   * Damaged files do not fail the open; they are kept aside and reported by {@link #health()}.
   */
  public static Future<HealthStore> open(Vertx vertx, DiskStoreOptions options) {
    DiskStoreOptions copy = new DiskStoreOptions(options);
    Context context = vertx.getOrCreateContext();
    return vertx.executeBlocking(() -> {
      DiskEngine engine = DiskEngine.open(copy);
      LOG.log(System.Logger.Level.INFO, "disk store " + engine.directory() + " loaded in " + engine.loadTimes());
      AuditFile audit;
      try {
        audit = AuditFile.open(copy);
      } catch (IOException | RuntimeException e) {
        engine.close();
        throw StorageException.unavailable("cannot open the audit log in " + copy.getDataDir() + ": " + e.getMessage(), e);
      }
      return new DiskStore(vertx, engine, audit, context, copy.getStoreOptions().getStorageListener(),
          copy.isCompressSealedSegments() && heapAllowsCompression(copy.getSegmentBytes()));
    }, false);
  }

  /**
   * Compressing a segment holds it, its records and their compressed form in memory at once (about
   * four times the segment's size). With a heap too small for that beside the server's own needs,
   * sealed segments stay raw rather than risk an OutOfMemoryError at start or later.
   */
  static boolean heapAllowsCompression(long segmentBytes) {
    long max = Runtime.getRuntime().maxMemory();
    boolean enough = max == Long.MAX_VALUE || max >= COMPRESSION_HEAP_FACTOR * segmentBytes;
    if (!enough) {
      LOG.log(System.Logger.Level.WARNING, "sealed log segments stay uncompressed: compressing one needs a heap of at"
          + " least " + (COMPRESSION_HEAP_FACTOR * segmentBytes >> 20) + " MiB (" + COMPRESSION_HEAP_FACTOR
          + " times the segment size), this JVM has " + (max >> 20) + " MiB (-Xmx)");
    }
    return enough;
  }

  static final long COMPRESSION_HEAP_FACTOR = 8;

  /**
   * Opens a read-only, consistent view of the store in {@code options.getDataDir()}, as it is now.
   * It takes no lock and changes no file, so it works while a server writes to the directory.
   */
  public static Future<StoreDump> dump(Vertx vertx, DiskStoreOptions options) {
    return DiskDump.open(vertx, new DiskStoreOptions(options));
  }

  /**
   * Checks every checksum, index and snapshot of a data directory, read-only and without its lock.
   * Blocking: call it from a worker thread or a command. Fails only when {@code dataDir} is not a
   * readable directory.
   */
  public static VerifyReport verify(Path dataDir, VerifyReport.Progress progress) throws IOException {
    return DiskVerifier.verify(FileOps.nio(), dataDir, progress);
  }

  // ---------------------------------------------------------------------------------------------
  // The writer

  private <T> Future<T> submit(Action<T> action) {
    if (closed) {
      return Future.failedFuture(StorageException.unavailable("the store is closed", null));
    }
    Op<T> op = new Op<>(action, vertx.getOrCreateContext());
    queue.add(op);
    return op.promise.future();
  }

  private void runWriter() {
    List<Op<?>> group = new ArrayList<>();
    while (true) {
      try {
        group.add(queue.take());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      queue.drainTo(group, MAX_GROUP - 1);
      boolean stop = group.get(group.size() - 1).action == CLOSE;
      process(group);
      group.clear();
      if (stop) {
        failLeftovers();
        return;
      }
    }
  }

  /** Writes that raced with close() and were queued behind it. */
  private void failLeftovers() {
    List<Op<?>> left = new ArrayList<>();
    queue.drainTo(left);
    for (Op<?> op : left) {
      op.error = StorageException.unavailable("the store is closed", null);
      op.complete();
    }
  }

  private static final Action<Void> CLOSE = e -> {
    e.close();
    return null;
  };

  private void process(List<Op<?>> group) {
    List<StoreEvent> events = List.of();
    synchronized (engine) {
      boolean closing = group.get(group.size() - 1).action == CLOSE;
      List<Op<?>> writes = closing ? group.subList(0, group.size() - 1) : group;
      if (!writes.isEmpty()) {
        events = runGroup(writes);
      }
      if (closing) {
        runOne(group.get(group.size() - 1));
      }
      refreshChannelView();
    }
    if (!events.isEmpty()) {
      List<StoreEvent> published = events;
      context.runOnContext(v -> publish(published));
    }
    group.forEach(Op::complete);
    if (autoCompact && engine.compactionDue()) {
      scheduleCompaction();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Compression of sealed segments

  private void scheduleCompaction() {
    if (!stopping && compactionQueued.compareAndSet(false, true)) {
      try {
        compactor.execute(() -> {
          compactionQueued.set(false);
          compactPending();
        });
      } catch (RejectedExecutionException e) {
        compactionQueued.set(false); // closing
      }
    }
  }

  /** Compresses every segment ready for it; returns how many were done. Runs on the compactor thread. */
  private int compactPending() {
    int done = 0;
    try {
      while (!stopping && engine.compactNext(() -> stopping)) {
        done++;
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "compressing a sealed log segment failed; it stays uncompressed"
          + " and is tried again later: " + e.getMessage());
    }
    return done;
  }

  /** Compresses every sealed segment that is ready now, on the compactor thread; for tests and benchmarks. */
  Future<Integer> compactNow() {
    Promise<Integer> done = Promise.promise();
    try {
      compactor.execute(() -> {
        try {
          done.complete(compactPending());
        } catch (Throwable t) {
          done.fail(t);
          throw t;
        }
      });
    } catch (RejectedExecutionException e) {
      done.fail(StorageException.unavailable("the store is closed", null));
    }
    return done.future();
  }

  /** Runs a group of writes and commits it with one fsync; reported as one {@code COMMIT} if it wrote. */
  private List<StoreEvent> runGroup(List<Op<?>> writes) {
    Throwable failure = null;
    long start = System.nanoTime();
    try {
      engine.beginGroup();
      for (Op<?> op : writes) {
        if (!runOne(op)) {
          failure = op.error;
          break;
        }
      }
      if (failure == null) {
        boolean wrote = engine.hasPendingWrites();
        engine.commitGroup();
        if (wrote) {
          listener.recordOperation(StorageOperation.COMMIT, true, System.nanoTime() - start);
        }
        return engine.takeEvents();
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
    listener.recordOperation(StorageOperation.COMMIT, false, System.nanoTime() - start);
    StorageException error = engine.failGroup(failure);
    LOG.log(System.Logger.Level.WARNING, error.getMessage());
    for (Op<?> op : writes) {
      op.result = null;
      op.error = error;
    }
    return List.of();
  }

  /** Runs one operation; false if it failed in a way that spoils the group (an I/O error). */
  private <T> boolean runOne(Op<T> op) {
    try {
      op.result = op.action.run(engine);
      return true;
    } catch (StorageException e) {
      op.error = e; // a refusal such as CONFLICT: the group goes on
      return true;
    } catch (IOException | RuntimeException e) {
      op.error = e;
      return false;
    }
  }

  private void publish(List<StoreEvent> events) {
    for (StoreEvent e : events) {
      for (Consumer<StoreEvent> l : listeners) {
        try {
          l.accept(e);
        } catch (RuntimeException ex) {
          LOG.log(System.Logger.Level.WARNING, "a store listener failed: " + ex);
        }
      }
    }
  }

  private <T> Future<T> read(ReadAction<T> action) {
    if (closed) {
      return Future.failedFuture(StorageException.unavailable("the store is closed", null));
    }
    return vertx.executeBlocking(() -> {
      synchronized (engine) {
        return action.run(engine);
      }
    }, false);
  }

  @FunctionalInterface
  private interface ReadAction<T> {
    T run(DiskEngine engine) throws IOException;
  }

  // ---------------------------------------------------------------------------------------------
  // HealthStore

  @Override
  public void addListener(Consumer<StoreEvent> listener) {
    listeners.add(listener);
  }

  @Override
  public Future<IngestResult> ingest(List<Sample> samples) {
    List<Sample> batch = List.copyOf(samples);
    return submit(e -> e.ingest(batch));
  }

  @Override
  public Future<List<ChannelState>> channels() {
    if (closed) {
      return Future.failedFuture(StorageException.unavailable("the store is closed", null));
    }
    return Future.succeededFuture(channelView.sorted());
  }

  @Override
  public Future<Optional<ChannelState>> channel(String channelId) {
    if (closed) {
      return Future.failedFuture(StorageException.unavailable("the store is closed", null));
    }
    return Future.succeededFuture(Optional.ofNullable(channelView.byId().get(channelId)));
  }

  @Override
  public Future<List<Sample>> samples(String channelId, SampleQuery query) {
    return read(e -> e.samples(channelId, query));
  }

  @Override
  public Future<WindowStats> stats(String channelId, long from, long to) {
    return read(e -> e.stats(channelId, from, to));
  }

  @Override
  public Future<List<Outage>> outages(OutageQuery query) {
    return read(e -> e.outages(query));
  }

  @Override
  public Future<Optional<Outage>> outage(String outageId) {
    return read(e -> e.outage(outageId));
  }

  @Override
  public Future<WatchSession> startWatch(long durationMs, List<String> channels) {
    List<String> watched = List.copyOf(channels);
    return submit(e -> e.startWatch(durationMs, watched));
  }

  @Override
  public Future<Optional<WatchSession>> currentWatch() {
    return submit(DiskEngine::currentWatch);
  }

  @Override
  public Future<Optional<WatchSession>> stopWatch() {
    return submit(DiskEngine::stopWatch);
  }

  @Override
  public Future<List<WatchSession>> watches(int limit) {
    return submit(e -> e.watches(limit));
  }

  @Override
  public Future<Void> putCustom(String key, String json) {
    return submit(e -> {
      e.putCustom(key, json);
      return null;
    });
  }

  @Override
  public Future<Optional<String>> custom(String key) {
    return read(e -> e.custom(key));
  }

  @Override
  public Future<Boolean> deleteCustom(String key) {
    return submit(e -> e.deleteCustom(key));
  }

  @Override
  public Future<Boolean> deleteChannel(String channelId) {
    return submit(e -> e.deleteChannel(channelId));
  }

  @Override
  public Future<RetentionResult> applyRetention(long cutoff) {
    return submit(e -> e.applyRetention(cutoff));
  }

  @Override
  public Future<Integer> restore(RestoreBatch batch) {
    return submit(e -> e.restore(batch));
  }

  @Override
  public Future<StoreHealth> health() {
    if (closed) {
      return Future.succeededFuture(new StoreHealth(StoreHealth.Status.DOWN, List.of("store is closed"),
          new StoreHealth.CacheUsage(0, 0, 0, 0), java.util.Map.of("backend", "disk")));
    }
    return read(DiskEngine::health).map(this::withAuditProblems);
  }

  // ---- audit trail (audit-export) ----

  @Override
  public Future<Void> audit(AuditRecord record) {
    if (closed) {
      return Future.failedFuture(StorageException.unavailable("the store is closed", null));
    }
    return audit.append(vertx.getOrCreateContext(), record);
  }

  @Override
  public Future<List<AuditRecord>> auditLog(long from, long to, int limit) {
    if (closed) {
      return Future.failedFuture(StorageException.unavailable("the store is closed", null));
    }
    return vertx.executeBlocking(() -> audit.read(from, to, limit), false);
  }

  private StoreHealth withAuditProblems(StoreHealth h) {
    List<String> found = audit.problems();
    if (found.isEmpty()) {
      return h;
    }
    List<String> problems = new ArrayList<>(h.problems());
    problems.addAll(found);
    StoreHealth.Status status = h.status() == StoreHealth.Status.UP ? StoreHealth.Status.DEGRADED : h.status();
    return new StoreHealth(status, problems, h.cache(), h.details());
  }

  // ---- end of audit trail ----

  @Override
  public Future<StorageGauges> gauges() {
    if (closed) {
      return Future.succeededFuture(StorageGauges.NONE);
    }
    return read(DiskEngine::gauges);
  }

  @Override
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    stopping = true;
    vertx.cancelTimer(timerId);
    compactor.shutdown();
    // The compactor finishes (or abandons) its segment before the engine closes and the lock goes.
    return vertx.executeBlocking(() -> compactor.awaitTermination(1, TimeUnit.MINUTES), false).transform(v -> {
      Op<Void> op = new Op<>(CLOSE, vertx.getOrCreateContext());
      queue.add(op);
      return op.promise.future();
    }).eventually(() -> vertx.executeBlocking(() -> {
      audit.close();
      return null;
    }, false));
  }
}
