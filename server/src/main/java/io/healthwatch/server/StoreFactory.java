package io.healthwatch.server;

import io.healthwatch.core.memory.InMemoryStore;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.server.config.ConfigException;
import io.healthwatch.server.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Opens the configured storage backend. The server opens exactly one store and shares it. */
public final class StoreFactory {
  private StoreFactory() {}

  public static Future<HealthStore> open(Vertx vertx, ServerConfig config) {
    StoreOptions options = config.storeOptions();
    return switch (config.storage()) {
      case MEMORY -> Future.succeededFuture(new InMemoryStore(vertx, options));
      // ---- LEAD: open the disk and MySQL backends here once storage-disk / storage-mysql land, e.g.
      //   case DISK -> DiskStore.open(vertx, config.dataDir(), options);
      //   case MYSQL -> MySqlStore.open(vertx, config.mysqlUri(), config.mysqlPassword(), config.mysqlPoolSize(), options);
      case DISK, MYSQL -> Future.failedFuture(new ConfigException(
          "storage backend '" + config.storage().wireName() + "' is not available in this build"));
    };
  }
}
