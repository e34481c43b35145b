package io.healthwatch.server.cli;

import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreDump;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.server.StoreFactory;
import io.healthwatch.server.config.ConfigResolver;
import io.healthwatch.server.config.ServerConfig;
import io.healthwatch.server.config.ServerConfig.Backend;
import io.healthwatch.server.config.Setting;
import io.healthwatch.storage.disk.DiskStore;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.healthwatch.storage.mysql.MySqlStore;
import io.healthwatch.storage.mysql.MySqlStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.util.EnumMap;
import java.util.Map;

/** A store an operator command reads or writes: a disk data directory or a MySQL database. */
final class StoreLocation {
  final ServerConfig config;

  private StoreLocation(ServerConfig config) {
    this.config = config;
  }

  /** The store the resolved settings name; the memory backend has nothing to read or write. */
  static StoreLocation of(ServerConfig config) {
    if (config.storage() == Backend.MEMORY) {
      throw CommandFailure.badInput("the memory backend keeps nothing outside a running server; "
          + "name a disk store (--storage disk --data-dir DIR) or a MySQL one (--storage mysql --mysql-uri URI)");
    }
    return new StoreLocation(config);
  }

  /**
   * A location given as one argument: a {@code mysql://} URI (password from {@code
   * HEALTHWATCH_MYSQL_PASSWORD} or {@code HEALTHWATCH_MYSQL_PASSWORD_FILE}) or a data directory.
   */
  static StoreLocation parse(String text, Map<String, String> env) {
    Map<Setting, String> flags = new EnumMap<>(Setting.class);
    if (text.startsWith("mysql:")) {
      flags.put(Setting.STORAGE, "mysql");
      flags.put(Setting.MYSQL_URI, text);
    } else {
      flags.put(Setting.STORAGE, "disk");
      flags.put(Setting.DATA_DIR, text);
    }
    return of(ConfigResolver.resolve(flags, null, env));
  }

  boolean disk() {
    return config.storage() == Backend.DISK;
  }

  /** How messages name it, never with a password. */
  String describe() {
    return disk() ? "disk store " + config.dataDir().toAbsolutePath().normalize()
        : "MySQL database " + ServerConfig.maskUri(config.mysqlUri());
  }

  boolean sameAs(StoreLocation other) {
    return disk() == other.disk() && (disk()
        ? config.dataDir().toAbsolutePath().normalize().equals(other.config.dataDir().toAbsolutePath().normalize())
        : config.mysqlUri().equals(other.config.mysqlUri()));
  }

  /** Opens the store for writing (taking a disk store's lock). */
  Future<HealthStore> open(Vertx vertx) {
    return StoreFactory.open(vertx, config);
  }

  StoreOptions storeOptions() {
    return config.storeOptions();
  }

  /** A read-only consistent view; empty for a data directory that does not exist yet. */
  Future<StoreDump> dump(Vertx vertx) {
    if (disk()) {
      if (!Files.isDirectory(config.dataDir())) {
        return Future.succeededFuture(null);
      }
      return DiskStore.dump(vertx, new DiskStoreOptions().setDataDir(config.dataDir()).setStoreOptions(storeOptions()));
    }
    MySqlStoreOptions mysql = new MySqlStoreOptions().setUri(config.mysqlUri()).setStoreOptions(storeOptions());
    if (config.mysqlPassword() != null) {
      mysql.setPassword(config.mysqlPassword());
    }
    return MySqlStore.dump(vertx, mysql);
  }
}
