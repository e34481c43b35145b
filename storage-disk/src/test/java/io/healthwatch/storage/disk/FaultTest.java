package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.ErrorCode;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.core.testing.Tmpfs;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 4: disk full, an fsync error, a read-only directory, a refused rename. Each time the write
 * fails with a clear error, what was stored stays intact and readable, health says DOWN, and
 * writes work again once the cause is gone.
 */
@ExtendWith(VertxExtension.class)
class FaultTest {
  private static final Path DIR = Path.of("/sim/data");

  private static DiskStoreOptions options(SimulatedDisk disk) {
    return TestSupport.options(DIR).setFileOps(disk).setRenameBackoffMs(1);
  }

  /** Acknowledged batches 0..n-1, checks they are all readable. */
  private static void assertBatches(HealthStore store, int n, int absent) {
    for (int b = 0; b < n; b++) {
      List<Sample> expected = PowerLossTest.batch(b);
      Sample first = expected.get(0);
      List<Sample> found = await(store.samples(first.channelId(),
          new io.healthwatch.core.storage.SampleQuery(first.timestamp(), first.timestamp() + 10, 100,
              io.healthwatch.core.storage.SortOrder.ASC)));
      assertThat(found).as("batch %d", b).isEqualTo(b == absent ? List.of() : expected);
    }
  }

  private void injectedFault(Vertx vertx, Consumer<SimulatedDisk> inject, Consumer<SimulatedDisk> remove,
      String expectedText) {
    SimulatedDisk disk = new SimulatedDisk();
    HealthStore store = TestSupport.open(vertx, options(disk));
    for (int b = 0; b < 5; b++) {
      await(store.ingest(PowerLossTest.batch(b)));
    }
    inject.accept(disk);
    Throwable error = TestSupport.failure(store.ingest(PowerLossTest.batch(5)));
    assertThat(error).isInstanceOf(StorageException.class);
    assertThat(((StorageException) error).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(error.getMessage()).contains(DIR.toString()).contains(expectedText);
    StoreHealth down = await(store.health());
    assertThat(down.status()).isEqualTo(StoreHealth.Status.DOWN);
    assertThat(down.problems()).anyMatch(p -> p.contains(expectedText));
    assertBatches(store, 6, 5);

    remove.accept(disk);
    await(store.ingest(PowerLossTest.batch(5)));
    assertThat(await(store.health()).status()).isEqualTo(StoreHealth.Status.UP);
    assertBatches(store, 6, -1);
    await(store.close());

    HealthStore reopened = TestSupport.open(vertx, options(disk.crashImage(null)));
    assertBatches(reopened, 6, -1);
    assertThat(await(reopened.channels()).stream().mapToLong(c -> c.sampleCount()).sum())
        .isEqualTo(java.util.stream.IntStream.range(0, 6).map(b -> PowerLossTest.batch(b).size()).sum());
    await(reopened.close());
  }

  @Test
  @DisplayName("an fsync error fails the write, keeps stored data, and writes work again afterwards")
  void fsyncError(Vertx vertx) {
    injectedFault(vertx, d -> d.forceFault = new IOException("Input/output error"), d -> d.forceFault = null,
        "Input/output error");
  }

  @Test
  @DisplayName("a full disk fails the write, keeps stored data, and writes work again once space is freed")
  void diskFullInjected(Vertx vertx) {
    injectedFault(vertx, d -> d.writeFault = new IOException("No space left on device"), d -> d.writeFault = null,
        "No space left on device");
  }

  @Test
  @DisplayName("a read-only directory fails the write, keeps stored data, and writes work again once writable")
  void readOnly(Vertx vertx) {
    injectedFault(vertx, d -> d.readOnly = true, d -> d.readOnly = false, "Read-only file system");
  }

  @Test
  @DisplayName("a refused rename is retried with backoff, then fails loudly without copying over the live file")
  void refusedRename(Vertx vertx) {
    SimulatedDisk disk = new SimulatedDisk();
    DiskStoreOptions o = options(disk).setSnapshotIntervalBytes(600).setRenameAttempts(4);
    HealthStore store = TestSupport.open(vertx, o);
    await(store.ingest(PowerLossTest.batch(0)));
    List<String> before = disk.names();
    disk.moveFault = new AccessDeniedException("/sim/data/snapshot.tmp", null, "The process cannot access the file");
    disk.moveAttempts = 0;
    Throwable error = null;
    int b = 1;
    for (; b < 40 && error == null; b++) {
      error = TestSupport.failure(store.ingest(PowerLossTest.batch(b)));
    }
    assertThat(error).isInstanceOf(StorageException.class);
    assertThat(error.getMessage()).contains("refused 4 times").contains(DIR.toString());
    assertThat(disk.moveAttempts).isEqualTo(4);
    assertThat(disk.names()).noneMatch(n -> n.contains(".tmp-"));
    assertThat(disk.names().stream().filter(n -> n.startsWith("snapshot-")).toList())
        .isEqualTo(before.stream().filter(n -> n.startsWith("snapshot-")).toList());
    assertThat(await(store.health()).status()).isEqualTo(StoreHealth.Status.DOWN);

    disk.moveFault = null;
    int failed = b - 1;
    await(store.ingest(PowerLossTest.batch(failed)));
    assertThat(await(store.health()).status()).isEqualTo(StoreHealth.Status.UP);
    assertBatches(store, failed + 1, -1);
    assertThat(disk.names()).anyMatch(n -> n.startsWith("snapshot-"));
    await(store.close());
  }

  @Test
  @DisplayName("a fault while compressing leaves the raw segment in use and the store healthy; it is compressed later")
  void faultWhileCompressing(Vertx vertx) {
    for (int mode = 0; mode < 3; mode++) {
      SimulatedDisk disk = new SimulatedDisk();
      DiskStoreOptions o = options(disk).setSegmentBytes(2048).setSnapshotIntervalBytes(1500).setRenameAttempts(3)
          .setCompressSealedSegments(false);
      DiskStore store = (DiskStore) TestSupport.open(vertx, o);
      for (int b = 0; b < 60; b++) {
        await(store.ingest(PowerLossTest.batch(b)));
      }
      if (mode == 0) {
        disk.moveFault = new AccessDeniedException("/sim/data/x.tmp", null, "The process cannot access the file");
      } else if (mode == 1) {
        disk.writeFault = new IOException("No space left on device");
      } else {
        disk.forceFault = new IOException("Input/output error");
      }
      assertThat(await(store.compactNow())).as("mode %d", mode).isZero();
      disk.moveFault = null;
      disk.writeFault = null;
      disk.forceFault = null;
      assertThat(disk.names()).noneMatch(n -> n.endsWith(".cseg") || n.contains(".tmp-"));
      assertThat(await(store.health()).status()).isEqualTo(StoreHealth.Status.UP);
      assertBatches(store, 60, -1);

      assertThat(await(store.compactNow())).isPositive();
      assertThat(disk.names()).anyMatch(n -> n.endsWith(".cseg"));
      assertBatches(store, 60, -1);
      await(store.ingest(PowerLossTest.batch(60)));
      await(store.close());
      HealthStore reopened = TestSupport.open(vertx, options(disk.crashImage(null)));
      assertBatches(reopened, 61, -1);
      assertThat(await(reopened.health()).status()).isEqualTo(StoreHealth.Status.UP);
      await(reopened.close());
    }
  }

  @Test
  @DisplayName("a real full disk (1 MiB tmpfs) fails writes with a clear error and recovers once space is freed")
  void realDiskFull(Vertx vertx, @TempDir Path tmp) throws Exception {
    try (Tmpfs tmpfs = Tmpfs.mount(tmp.resolve("tiny"), "1m")) {
      Path mount = tmpfs.path();
      Path data = mount.resolve("data");
      Path filler = mount.resolve("filler");
      try (RandomAccessFile f = new RandomAccessFile(filler.toFile(), "rw")) {
        f.write(new byte[600 * 1024]);
      }
      HealthStore store = TestSupport.open(vertx, TestSupport.options(data));
      List<Integer> acked = new ArrayList<>();
      Throwable error = null;
      for (int b = 0; b < 20_000 && error == null; b++) {
        error = TestSupport.failure(store.ingest(PowerLossTest.batch(b)));
        if (error == null) {
          acked.add(b);
        }
      }
      assertThat(error).isInstanceOf(StorageException.class);
      assertThat(error.getMessage()).contains("No space left on device").contains(data.toString());
      assertThat(await(store.health()).status()).isEqualTo(StoreHealth.Status.DOWN);
      assertBatches(store, acked.size(), -1);

      Files.delete(filler);
      int next = acked.size();
      await(store.ingest(PowerLossTest.batch(next)));
      assertThat(await(store.health()).status()).isEqualTo(StoreHealth.Status.UP);
      await(store.close());
      HealthStore reopened = TestSupport.open(vertx, TestSupport.options(data));
      assertBatches(reopened, next + 1, -1);
      assertThat(await(reopened.health()).status()).isEqualTo(StoreHealth.Status.UP);
      await(reopened.close());
    }
  }
}
