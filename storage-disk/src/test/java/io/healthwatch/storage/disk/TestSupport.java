package io.healthwatch.storage.disk;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small helpers shared by the disk tests. */
final class TestSupport {
  static final long T0 = 1_700_000_000_000L;

  private TestSupport() {}

  /** Waits for a Future from a test thread (never an event loop). */
  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  static Throwable failure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  static DiskStoreOptions options(Path dir) {
    return new DiskStoreOptions().setDataDir(dir).setStoreOptions(new StoreOptions());
  }

  static HealthStore open(Vertx vertx, DiskStoreOptions options) {
    return await(DiskStore.open(vertx, options));
  }

  /**
   * Ingests every batch of {@code batches} (made as they are taken) with at most {@code inFlight}
   * writes outstanding, and waits for all; throws the first failure.
   */
  static void ingestAll(HealthStore store, int inFlight, Iterator<List<Sample>> batches) throws InterruptedException {
    Semaphore permits = new Semaphore(inFlight);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    while (batches.hasNext()) {
      List<Sample> batch = batches.next();
      permits.acquire();
      store.ingest(batch).onComplete(r -> {
        if (r.failed()) {
          failure.compareAndSet(null, r.cause());
        }
        permits.release();
      });
    }
    permits.acquire(inFlight);
    if (failure.get() != null) {
      throw new IllegalStateException(failure.get());
    }
  }

  static Sample sample(String channel, long ts, boolean ok) {
    return new Sample(channel, ts, ok, ok ? 10 + ts % 90 : null, ok ? null : io.healthwatch.core.model.Reason.TIMEOUT,
        null, "p");
  }

  /** Every visible sample of a channel, oldest first. */
  static List<Sample> all(HealthStore store, String channel) {
    return await(store.samples(channel, new SampleQuery(0, Long.MAX_VALUE, SampleQuery.MAX_LIMIT, SortOrder.ASC)));
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    volatile long millis;

    MutableClock(long millis) {
      this.millis = millis;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public long millis() {
      return millis;
    }
  }
}
