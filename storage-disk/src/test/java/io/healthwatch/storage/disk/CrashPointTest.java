package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.storage.HealthStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A crash injected after every single file operation of a run that appends, checkpoints
 * (snapshots) and rolls segments, with and without torn unsynced writes: every recovery holds
 * exactly the acknowledged writes.
 */
@ExtendWith(VertxExtension.class)
class CrashPointTest {
  private static final int BATCHES = 14;

  @Test
  @DisplayName("a crash after any step of an append, a snapshot or a segment roll loses nothing acknowledged")
  void everyCrashPoint(Vertx vertx) throws Exception {
    SimulatedDisk clean = new SimulatedDisk();
    long total = run(vertx, clean, null, new PowerLossTest.Ledger());
    assertThat(total).isGreaterThan(50);
    assertThat(clean.names()).as("the run rolls segments and writes snapshots")
        .anyMatch(n -> n.endsWith(".idx")).anyMatch(n -> n.startsWith("snapshot-"))
        .filteredOn(n -> n.endsWith(".seg")).hasSizeGreaterThan(1);
    Random rnd = new Random(7);
    for (long k = 1; k <= total; k++) {
      for (boolean tear : new boolean[] {false, true}) {
        SimulatedDisk disk = new SimulatedDisk();
        disk.crashAfter(k);
        PowerLossTest.Ledger ledger = new PowerLossTest.Ledger();
        String[] custom = new String[1];
        run(vertx, disk, custom, ledger);
        SimulatedDisk image = disk.crashImage(tear ? rnd : null);
        HealthStore store = TestSupport.open(vertx, PowerLossTest.options(image));
        ledger.verify(store, image);
        Optional<String> value = await(store.custom("k"));
        if (custom[0] != null) {
          assertThat(value).as("acknowledged custom value after crash point %d", k).contains(custom[0]);
        }
        await(store.close());
      }
    }
  }

  @Test
  @DisplayName("a crash after any step of compressing sealed segments loses nothing and leaves no trace")
  void everyCrashPointOfCompression(Vertx vertx) throws Exception {
    SimulatedDisk clean = new SimulatedDisk();
    long total = runWithCompression(vertx, clean, new PowerLossTest.Ledger());
    assertThat(clean.names()).as("the run compresses segments").anyMatch(n -> n.endsWith(".cseg"));
    Random rnd = new Random(11);
    for (long k = 1; k <= total; k++) {
      for (boolean tear : new boolean[] {false, true}) {
        SimulatedDisk disk = new SimulatedDisk();
        disk.crashAfter(k);
        PowerLossTest.Ledger ledger = new PowerLossTest.Ledger();
        runWithCompression(vertx, disk, ledger);
        SimulatedDisk image = disk.crashImage(tear ? rnd : null);
        HealthStore store = TestSupport.open(vertx, PowerLossTest.options(image).setCompressSealedSegments(false));
        ledger.verify(store, image);
        List<String> names = image.names();
        assertThat(names).as("after crash point %d no segment is held twice", k)
            .noneMatch(n -> n.endsWith(".cseg") && names.contains(n.replace(".cseg", ".seg")));
        await(store.close());
      }
    }
  }

  /** Writes batches and compresses sealed segments every few batches, one step at a time; stops at a crash. */
  private static long runWithCompression(Vertx vertx, SimulatedDisk disk, PowerLossTest.Ledger ledger)
      throws InterruptedException {
    Future<HealthStore> opening = DiskStore.open(vertx, PowerLossTest.options(disk).setCompressSealedSegments(false));
    if (!done(opening, disk) || opening.failed()) {
      return disk.mutations();
    }
    DiskStore store = (DiskStore) opening.result();
    for (int b = 0; b < 2 * BATCHES; b++) {
      int id = b;
      ledger.unknown.add(id);
      if (!done(store.ingest(PowerLossTest.batch(id)).onSuccess(r -> ledger.acked.add(id)), disk)) {
        store.close();
        return disk.mutations();
      }
      if (b % 6 == 5 && !done(store.compactNow(), disk)) {
        store.close();
        return disk.mutations();
      }
    }
    done(store.close(), disk);
    return disk.mutations();
  }

  /** Opens, writes batches and a custom value, closes; stops at a crash. Returns the operation count. */
  private static long run(Vertx vertx, SimulatedDisk disk, String[] custom, PowerLossTest.Ledger ledger)
      throws InterruptedException {
    Future<HealthStore> opening = DiskStore.open(vertx, PowerLossTest.options(disk));
    if (!done(opening, disk) || opening.failed()) {
      return disk.mutations();
    }
    HealthStore store = opening.result();
    for (int b = 0; b < BATCHES; b++) {
      int id = b;
      ledger.unknown.add(id);
      if (!done(store.ingest(PowerLossTest.batch(id)).onSuccess(r -> ledger.acked.add(id)), disk)) {
        store.close();
        return disk.mutations();
      }
      if (b == BATCHES / 2 && !done(store.putCustom("k", "{\"v\":1}").onSuccess(v -> setIfPresent(custom)), disk)) {
        store.close();
        return disk.mutations();
      }
    }
    done(store.close(), disk);
    return disk.mutations();
  }

  private static void setIfPresent(String[] custom) {
    if (custom != null) {
      custom[0] = "{\"v\":1}";
    }
  }

  /** Waits for the future; false if the simulated process died first. */
  private static boolean done(Future<?> f, SimulatedDisk disk) throws InterruptedException {
    PowerLossTest.waitUntilDoneOrCrashed(List.of(f), disk);
    return f.isComplete() && !disk.frozen();
  }
}
