package io.healthwatch.storage.mysql;

import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreDump;
import io.healthwatch.storage.mysql.impl.MySqlDump;
import io.healthwatch.storage.mysql.impl.MySqlHealthStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The MySQL backend of {@link HealthStore}, for MySQL 8 and MariaDB 10.6 or later.
 *
 * <p>Opening connects a pool, brings the schema up to date with versioned migrations (safe when
 * several servers start together) and loads the channel states into the cache. Every write is one
 * transaction that is committed before its Future succeeds; several servers may share one database.
 */
public final class MySqlStore {
  private MySqlStore() {}

  /**
   * Opens a read-only, consistent view of the whole database (one consistent-snapshot transaction
   * on one connection), for backups and migration; servers may keep writing meanwhile.
   */
  public static Future<StoreDump> dump(Vertx vertx, MySqlStoreOptions options) {
    return MySqlDump.open(vertx, options);
  }

  /**
   * Opens the store. Fails with a {@link io.healthwatch.core.storage.StorageException} ({@code
   * UNAVAILABLE}) whose message names the database but never the password when the database cannot
   * be reached or its schema cannot be brought up to date, and with an {@link
   * IllegalArgumentException} for a malformed URI.
   */
  public static Future<HealthStore> open(Vertx vertx, MySqlStoreOptions options) {
    return MySqlHealthStore.open(vertx, options).map(store -> (HealthStore) store);
  }
}
