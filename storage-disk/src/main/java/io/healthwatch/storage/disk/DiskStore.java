package io.healthwatch.storage.disk;

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
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.storage.disk.impl.DiskEngine;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
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
  private final Context context;
  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
  private final List<Consumer<StoreEvent>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean expirySubmitted = new AtomicBoolean();
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

  private DiskStore(Vertx vertx, DiskEngine engine, Context context, boolean autoCompact) {
    this.vertx = vertx;
    this.engine = engine;
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
    return vertx.executeBlocking(
        () -> new DiskStore(vertx, DiskEngine.open(copy), context, copy.isCompressSealedSegments()), false);
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

  private List<StoreEvent> runGroup(List<Op<?>> writes) {
    Throwable failure = null;
    try {
      engine.beginGroup();
      for (Op<?> op : writes) {
        if (!runOne(op)) {
          failure = op.error;
          break;
        }
      }
      if (failure == null) {
        engine.commitGroup();
        return engine.takeEvents();
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
    }
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
    return read(DiskEngine::channels);
  }

  @Override
  public Future<Optional<ChannelState>> channel(String channelId) {
    return read(e -> e.channel(channelId));
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
  public Future<StoreHealth> health() {
    if (closed) {
      return Future.succeededFuture(new StoreHealth(StoreHealth.Status.DOWN, List.of("store is closed"),
          new StoreHealth.CacheUsage(0, 0, 0, 0), java.util.Map.of("backend", "disk")));
    }
    return read(DiskEngine::health);
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
    });
  }
}
