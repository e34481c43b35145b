package io.healthwatch.server;

import io.healthwatch.core.memory.InMemoryStore;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.server.config.ConfigException;
import io.healthwatch.server.config.ServerConfig;
import io.vertx.core.Future;
import io.healthwatch.storage.disk.DiskStore;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.vertx.core.Vertx;

/** Opens the configured storage backend. The server opens exactly one store and shares it. */
public final class StoreFactory {
  private StoreFactory() {}

  public static Future<HealthStore> open(Vertx vertx, ServerConfig config) {
    StoreOptions options = config.storeOptions();
    return switch (config.storage()) {
      case MEMORY -> Future.succeededFuture(new InMemoryStore(vertx, options));
      case DISK -> DiskStore.open(vertx, new DiskStoreOptions().setDataDir(config.dataDir()).setStoreOptions(options));
      case MYSQL -> Future.failedFuture(new ConfigException(
          "storage backend '" + config.storage().wireName() + "' is not available in this build"));
    };
  }
}
