package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.storage.StoreDump;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** A {@link StoreDump} of a data directory through a read-only engine; file work on worker threads. */
public final class DiskDump implements StoreDump {
  private final Vertx vertx;
  private final DiskEngine engine;

  private DiskDump(Vertx vertx, DiskEngine engine) {
    this.vertx = vertx;
    this.engine = engine;
  }

  public static Future<StoreDump> open(Vertx vertx, DiskStoreOptions options) {
    return vertx.executeBlocking(() -> new DiskDump(vertx, DiskEngine.openReadOnly(options)), false);
  }

  @FunctionalInterface
  private interface Read<T> {
    T run(DiskEngine engine) throws IOException;
  }

  private <T> Future<T> read(Read<T> action) {
    return vertx.executeBlocking(() -> {
      synchronized (engine) {
        return action.run(engine);
      }
    }, false);
  }

  /** What the read-only engine found damaged while reading (empty when all was sound). */
  public Future<List<String>> problems() {
    return read(e -> e.health().problems());
  }

  @Override
  public Future<List<ChannelState>> channels() {
    return read(DiskEngine::channels);
  }

  @Override
  public Future<List<Sample>> samples(String channelId, Sample.SampleKey after, int limit) {
    return read(e -> e.samplesAfter(channelId, after, limit));
  }

  @Override
  public Future<List<Outage>> outages() {
    return read(DiskEngine::allOutageList);
  }

  @Override
  public Future<List<WatchSession>> watches() {
    return read(DiskEngine::storedWatches);
  }

  @Override
  public Future<Map<String, String>> custom() {
    return read(DiskEngine::customValues);
  }

  @Override
  public Future<Void> close() {
    return read(e -> {
      e.close();
      return null;
    });
  }
}
