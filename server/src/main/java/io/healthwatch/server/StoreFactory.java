package io.healthwatch.server;

import io.healthwatch.core.memory.InMemoryStore;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.server.config.ConfigException;
import io.healthwatch.server.config.ServerConfig;
import io.vertx.core.Future;
import io.healthwatch.storage.disk.DiskStore;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.healthwatch.server.config.Setting;
import io.healthwatch.storage.mysql.MySqlStore;
import io.healthwatch.storage.mysql.MySqlStoreOptions;
import io.vertx.core.Vertx;

/** Opens the configured storage backend. The server opens exactly one store and shares it. */
public final class StoreFactory {
  private StoreFactory() {}

  public static Future<HealthStore> open(Vertx vertx, ServerConfig config) {
    StoreOptions options = config.storeOptions();
    return switch (config.storage()) {
      case MEMORY -> Future.succeededFuture(new InMemoryStore(vertx, options));
      case DISK -> DiskStore.open(vertx, new DiskStoreOptions().setDataDir(config.dataDir()).setStoreOptions(options));
      case MYSQL -> openMySql(vertx, config, options);
    };
  }

  private static Future<HealthStore> openMySql(Vertx vertx, ServerConfig config, StoreOptions options) {
    MySqlStoreOptions mysql = new MySqlStoreOptions()
        .setUri(config.mysqlUri())
        .setPoolSize(config.mysqlPoolSize())
        .setStoreOptions(options);
    if (config.mysqlPassword() != null) {
      mysql.setPassword(config.mysqlPassword());
    }
    // A malformed URI is a bad setting (exit 2), not a failure to start.
    return MySqlStore.open(vertx, mysql).recover(e -> Future.failedFuture(e instanceof IllegalArgumentException
        ? ConfigException.of(Setting.MYSQL_URI, null, e.getMessage())
        : e));
  }
}
