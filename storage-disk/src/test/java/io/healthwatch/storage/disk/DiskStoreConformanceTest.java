package io.healthwatch.storage.disk;

import io.healthwatch.core.conformance.HealthStoreConformanceTest;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The shared storage conformance suite against the disk store, reopen tests included. */
class DiskStoreConformanceTest extends HealthStoreConformanceTest {
  @TempDir
  Path dir;

  @Override
  protected Future<HealthStore> open(Vertx vertx, StoreOptions options) {
    return DiskStore.open(vertx, new DiskStoreOptions().setDataDir(dir).setStoreOptions(options));
  }

  @Override
  protected boolean persistent() {
    return true;
  }
}
