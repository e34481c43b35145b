package io.healthwatch.core.memory;

import io.healthwatch.core.conformance.HealthStoreConformanceTest;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

class InMemoryStoreConformanceTest extends HealthStoreConformanceTest {
  @Override
  protected Future<HealthStore> open(Vertx vertx, StoreOptions options) {
    return Future.succeededFuture(new InMemoryStore(vertx, options));
  }

  @Override
  protected boolean persistent() {
    return false;
  }
}
