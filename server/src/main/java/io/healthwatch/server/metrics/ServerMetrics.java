package io.healthwatch.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's own meters, next to Vert.x's HTTP metrics in the same registry. Prometheus names:
 * {@code healthwatch_samples_ingested_total}, {@code healthwatch_samples_duplicate_total},
 * {@code healthwatch_batches_rejected_total{code}}, {@code healthwatch_storage_write_seconds},
 * {@code healthwatch_websocket_clients}, {@code healthwatch_websocket_events_dropped_total}.
 */
public final class ServerMetrics {
  private final MeterRegistry registry;
  private final Counter ingested;
  private final Counter duplicates;
  private final Timer storageWrite;
  private final Counter dropped;
  private final AtomicInteger wsClients = new AtomicInteger();

  public ServerMetrics(MeterRegistry registry) {
    this.registry = registry;
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
