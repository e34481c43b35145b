package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.storage.HealthStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Group commit: concurrent writes share one fsync, and none is acknowledged before it. */
@ExtendWith(VertxExtension.class)
class GroupCommitTest {

  @Test
  @DisplayName("concurrent writes waiting on an fsync are made durable by one more fsync, acknowledged only after it")
  void oneFsyncForManyWrites(Vertx vertx) throws Exception {
    SimulatedDisk disk = new SimulatedDisk();
    HealthStore store = TestSupport.open(vertx, TestSupport.options(Path.of("/sim/data")).setFileOps(disk));
    CountDownLatch inFsync = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    disk.beforeForce = () -> {
      inFsync.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    Future<IngestResult> first = store.ingest(PowerLossTest.batch(0));
    assertThat(inFsync.await(10, TimeUnit.SECONDS)).isTrue();
    List<Future<IngestResult>> waiting = new ArrayList<>();
    for (int b = 1; b <= 200; b++) {
      waiting.add(store.ingest(PowerLossTest.batch(b)));
    }
    Thread.sleep(100);
    assertThat(first.isComplete()).as("not acknowledged while its fsync runs").isFalse();
    assertThat(waiting).noneMatch(Future::isComplete);
    int forcesBefore = disk.forces;
    disk.beforeForce = () -> { };
    release.countDown();
    assertThat(await(first).accepted()).isPositive();
    for (Future<IngestResult> f : waiting) {
      assertThat(await(f).accepted()).isPositive();
    }
    assertThat(disk.forces - forcesBefore).as("fsyncs for 201 writes").isLessThanOrEqualTo(3);
    await(store.close());
  }
}
