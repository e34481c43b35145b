package io.healthwatch.server.metrics;

import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StorageGauges;
import io.healthwatch.core.storage.StorageOperation;
import io.healthwatch.core.storage.StorageStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;

/**
 * The server's own meters, next to Vert.x's HTTP metrics in the same registry. Prometheus names:
 * {@code healthwatch_samples_ingested_total}, {@code healthwatch_samples_duplicate_total},
 * {@code healthwatch_batches_rejected_total{code}}, {@code healthwatch_storage_write_seconds},
 * {@code healthwatch_websocket_clients}, {@code healthwatch_websocket_events_dropped_total}, and
 * what the store reports: {@code healthwatch_storage_operations_total{op,result}},
 * {@code healthwatch_storage_operation_seconds{op,result}}, {@code healthwatch_storage_data_bytes},
 * {@code healthwatch_storage_free_bytes}, {@code healthwatch_storage_segments},
 * {@code healthwatch_storage_oldest_sample_timestamp_seconds}, {@code healthwatch_storage_cache_channels},
 * {@code healthwatch_storage_cache_samples}, {@code healthwatch_storage_write_success_ratio}. A
 * gauge the backend cannot know is NaN.
 */
public final class ServerMetrics {
  private final MeterRegistry registry;
  private final Counter ingested;
  private final Counter duplicates;
  private final Timer storageWrite;
  private final Counter dropped;
  private final AtomicInteger wsClients = new AtomicInteger();
  private final StorageStats storageStats;
  private final AtomicReference<StorageGauges> gauges = new AtomicReference<>(StorageGauges.NONE);

  public ServerMetrics(MeterRegistry registry) {
    this(registry, new StorageStats(System::currentTimeMillis));
  }

  /** With the store's operations counted by {@code storageStats} (the listener the store was opened with). */
  public ServerMetrics(MeterRegistry registry, StorageStats storageStats) {
    this.registry = registry;
    this.storageStats = storageStats;
    bindStorage();
    this.ingested = Counter.builder("healthwatch.samples.ingested")
        .description("Samples stored (duplicates not counted)").register(registry);
    this.duplicates = Counter.builder("healthwatch.samples.duplicate")
        .description("Samples received again and not stored twice").register(registry);
    this.storageWrite = Timer.builder("healthwatch.storage.write")
        .description("Time until an ingested batch is durable").register(registry);
    this.dropped = Counter.builder("healthwatch.websocket.events.dropped")
        .description("Live events not sent to a slow WebSocket client").register(registry);
    Gauge.builder("healthwatch.websocket.clients", wsClients, AtomicInteger::get)
        .description("Open WebSocket connections").register(registry);
  }

  private void bindStorage() {
    for (StorageOperation op : StorageOperation.values()) {
      for (boolean ok : new boolean[] {true, false}) {
        Tags tags = Tags.of("op", op.label(), "result", ok ? "success" : "failure");
        FunctionCounter.builder("healthwatch.storage.operations", storageStats, st -> st.count(op, ok))
            .description("Storage operations the backend performed, by kind and result").tags(tags).register(registry);
        FunctionTimer.builder("healthwatch.storage.operation", storageStats, st -> st.count(op, ok),
                st -> st.totalNanos(op, ok), TimeUnit.NANOSECONDS)
            .description("Time spent in storage operations, by kind and result").tags(tags).register(registry);
      }
    }
    gauge("healthwatch.storage.data", "bytes", "Bytes the stored data takes", StorageGauges::dataBytes, 1);
    gauge("healthwatch.storage.free", "bytes", "Usable bytes left in the data directory's file system",
        StorageGauges::freeBytes, 1);
    gauge("healthwatch.storage.segments", null, "Log segment files", StorageGauges::segments, 1);
    gauge("healthwatch.storage.oldest.sample.timestamp", "seconds", "Timestamp of the oldest sample kept",
        StorageGauges::oldestSampleAt, 1_000);
    gauge("healthwatch.storage.cache.channels", null, "Channels held in the in-memory cache",
        StorageGauges::cachedChannels, 1);
    gauge("healthwatch.storage.cache.samples", null, "Samples held in the in-memory cache",
        StorageGauges::cachedSamples, 1);
    Gauge.builder("healthwatch.storage.write.success.ratio", storageStats, st -> {
          Double rate = st.window().successRate();
          return rate == null ? Double.NaN : rate;
        })
        .description("Share of storage commits that succeeded over the last 5 minutes (NaN without writes)")
        .register(registry);
  }

  private void gauge(String name, String unit, String description, ToLongFunction<StorageGauges> figure, double divisor) {
    Gauge.builder(name, gauges, ref -> {
          long v = figure.applyAsLong(ref.get());
          return StorageGauges.known(v) ? v / divisor : Double.NaN;
        })
        .baseUnit(unit).description(description).register(registry);
  }

  /** The operation counts and the recent write window. */
  public StorageStats storageStats() {
    return storageStats;
  }

  /** The figures of the last look at the store. */
  public StorageGauges gauges() {
    return gauges.get();
  }

  /** Asks the store for its figures and keeps them for the gauges; never fails. */
  public Future<StorageGauges> refreshGauges(HealthStore store) {
    return store.gauges()
        .otherwise(StorageGauges.NONE)
        .map(g -> {
          gauges.set(g);
          return g;
        });
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void stored(int accepted, int duplicate) {
    ingested.increment(accepted);
    duplicates.increment(duplicate);
  }

  /** A batch refused as a whole, by error code. */
  public void rejected(String code) {
    Counter.builder("healthwatch.batches.rejected")
        .description("Ingest batches refused as a whole")
        .tag("code", code).register(registry).increment();
  }

  public Timer.Sample startWrite() {
    return Timer.start(registry);
  }

  public void writeDone(Timer.Sample sample) {
    sample.stop(storageWrite);
  }

  public void wsOpened() {
    wsClients.incrementAndGet();
  }

  public void wsClosed() {
    wsClients.decrementAndGet();
  }

  public void eventDropped() {
    dropped.increment();
  }

  public double droppedEvents() {
    return dropped.count();
  }
}
