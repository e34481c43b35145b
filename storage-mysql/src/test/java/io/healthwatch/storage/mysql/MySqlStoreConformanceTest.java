package io.healthwatch.storage.mysql;

import io.healthwatch.core.conformance.HealthStoreConformanceTest;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;

@DisplayName("The MySQL store keeps every promise of the storage API")
class MySqlStoreConformanceTest extends HealthStoreConformanceTest {
  private MySqlTestDatabase db;

  @Override
  protected Future<HealthStore> open(Vertx vertx, StoreOptions options) {
    if (db == null) {
      db = MySqlTestDatabase.create();
    }
    return MySqlStore.open(vertx, db.options().setStoreOptions(options).setPoolSize(4));
  }

  @Override
  protected boolean persistent() {
    return true;
  }

  @AfterEach
  void dropDatabase() {
    if (store != null) {
      await(store.close());
      store = null;
    }
    if (db != null) {
      db.close();
      db = null;
    }
  }
}
