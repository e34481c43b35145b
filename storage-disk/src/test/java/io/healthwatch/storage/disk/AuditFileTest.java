package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.ErrorCode;
import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StoreHealth;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code audit.log}: acknowledged records survive power loss, torn tails and damage are handled like the log's. */
@ExtendWith(VertxExtension.class)
class AuditFileTest {
  private static final Path DIR = Path.of("/sim/data");
  private static final Path FILE = DIR.resolve("audit.log");

  private static DiskStoreOptions options(SimulatedDisk disk) {
    return TestSupport.options(DIR).setFileOps(disk);
  }

  private static AuditRecord record(int i) {
    return new AuditRecord(TestSupport.T0 + i, "sha256:abcdef012345", AuditRecord.CUSTOM_PUT, "key" + i, null);
  }

  private static List<String> targets(HealthStore store) {
    return await(store.auditLog(0, Long.MAX_VALUE, 10_000)).stream().map(AuditRecord::target).toList();
  }

  private static List<String> keys(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = to - 1; i >= from; i--) {
      out.add("key" + i);
    }
    return out;
  }

  @Test
  @DisplayName("every acknowledged audit record survives power cuts; an unacknowledged one is whole or absent")
  void powerLoss(Vertx vertx) {
    Random rnd = new Random(7);
    for (int round = 0; round < 50; round++) {
      SimulatedDisk disk = new SimulatedDisk();
      HealthStore store = TestSupport.open(vertx, options(disk));
      int acked = 1 + rnd.nextInt(20);
      List<Future<Void>> writes = new ArrayList<>();
      IntStream.range(0, acked).forEach(i -> writes.add(store.audit(record(i))));
      await(Future.all(writes));
      store.audit(record(acked)); // in flight at the cut
      SimulatedDisk image = disk.crashImage(rnd);
      await(store.close());

      HealthStore reopened = TestSupport.open(vertx, options(image));
      List<String> found = targets(reopened);
      assertThat(found).as("round %d", round).endsWith(keys(0, acked).toArray(String[]::new));
      assertThat(found.size()).isBetween(acked, acked + 1);
      assertThat(await(reopened.health()).status()).isEqualTo(StoreHealth.Status.UP);
      await(reopened.audit(record(100)));
      assertThat(targets(reopened).get(0)).isEqualTo("key100");
      await(reopened.close());
    }
  }

  /** A disk whose audit log holds five acknowledged records, the store closed. */
  private static SimulatedDisk fiveRecords(Vertx vertx) {
    SimulatedDisk disk = new SimulatedDisk();
    HealthStore store = TestSupport.open(vertx, options(disk));
    for (int i = 0; i < 5; i++) {
      await(store.audit(record(i)));
    }
    await(store.close());
    return disk;
  }

  @Test
  @DisplayName("a torn tail is cut at open without a complaint, and appends go on after it")
  void tornTail(Vertx vertx) {
    SimulatedDisk disk = fiveRecords(vertx);
    byte[] data = disk.content(FILE);
    byte[] torn = Arrays.copyOf(data, data.length + 13);
    System.arraycopy(data, 0, torn, data.length, 13);
    disk.setContent(FILE, torn);

    HealthStore reopened = TestSupport.open(vertx, options(disk));
    assertThat(await(reopened.health()).status()).isEqualTo(StoreHealth.Status.UP);
    await(reopened.audit(record(5)));
    assertThat(targets(reopened)).containsExactlyElementsOf(keys(0, 6));
    await(reopened.close());
  }

  @Test
  @DisplayName("damage in the middle is kept aside and reported; the records after it stay readable")
  void damage(Vertx vertx) {
    SimulatedDisk disk = fiveRecords(vertx);
    byte[] data = disk.content(FILE);
    data[12] ^= 0x55; // the payload of the first record
    disk.setContent(FILE, data);

    HealthStore reopened = TestSupport.open(vertx, options(disk));
    StoreHealth h = await(reopened.health());
    assertThat(h.status()).isEqualTo(StoreHealth.Status.DEGRADED);
    assertThat(h.problems()).anyMatch(p -> p.contains("audit log") && p.contains("corrupt"));
    assertThat(targets(reopened)).containsExactlyElementsOf(keys(1, 5));
    assertThat(disk.names()).anyMatch(n -> n.startsWith("audit.log.corrupt-"));
    await(reopened.close());
  }

  @Test
  @DisplayName("an fsync error fails the audit write; nothing of it is kept, and writes work again afterwards")
  void fsyncError(Vertx vertx) {
    SimulatedDisk disk = new SimulatedDisk();
    HealthStore store = TestSupport.open(vertx, options(disk));
    await(store.audit(record(0)));
    disk.forceFault = new IOException("Input/output error");
    Throwable error = TestSupport.failure(store.audit(record(1)));
    assertThat(error).isInstanceOf(StorageException.class);
    assertThat(((StorageException) error).code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(error.getMessage()).contains(DIR.toString()).contains("Input/output error");
    disk.forceFault = null;
    await(store.audit(record(2)));
    assertThat(targets(store)).containsExactly("key2", "key0");
    SimulatedDisk image = disk.crashImage(null);
    await(store.close());
    HealthStore reopened = TestSupport.open(vertx, options(image));
    assertThat(targets(reopened)).containsExactly("key2", "key0");
    await(reopened.close());
  }
}
