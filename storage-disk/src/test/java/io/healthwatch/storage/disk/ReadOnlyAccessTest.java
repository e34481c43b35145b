package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.T0;
import static io.healthwatch.storage.disk.TestSupport.await;
import static io.healthwatch.storage.disk.TestSupport.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreDump;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The verifier and the dump: read-only, lock-free, while a store is open and writing. */
@ExtendWith(VertxExtension.class)
class ReadOnlyAccessTest {
  @TempDir
  Path dir;

  private HealthStore fill(Vertx vertx, int batches) {
    HealthStore store = TestSupport.open(vertx, TestSupport.options(dir).setSegmentBytes(4_096)
        .setSnapshotIntervalBytes(8_192));
    for (int b = 0; b < batches; b++) {
      List<Sample> batch = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        batch.add(sample("c" + (i % 3), T0 + b * 100L + i, i % 5 != 0));
      }
      await(store.ingest(batch));
    }
    await(store.putCustom("k", "{\"a\":1}"));
    return store;
  }

  private Map<String, String> fingerprint() throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.toList()) {
        out.put(p.getFileName().toString(),
            HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      }
    }
    return out;
  }

  private static VerifyReport verify(Path dir) throws IOException {
    return DiskStore.verify(dir, (done, total) -> { });
  }

  @Test
  @DisplayName("a sound store verifies sound while it is open, and verifying changes no file")
  void soundWhileOpen(Vertx vertx) throws Exception {
    HealthStore store = fill(vertx, 60);
    await(store.audit(new io.healthwatch.core.model.AuditRecord(T0, "token:ab12", "custom.put", "k", null)));
    // Sealed segments compressed now, so that nothing changes the directory while it is looked at.
    await(((DiskStore) store).compactNow());
    Map<String, String> before = fingerprint();
    VerifyReport report = verify(dir);
    assertThat(report.sound()).as(report.toString()).isTrue();
    assertThat(report.checks()).extracting(VerifyReport.Check::file)
        .anyMatch(f -> f.endsWith(".seg")).anyMatch(f -> f.endsWith(".cseg")).anyMatch(f -> f.endsWith(".snap"))
        .contains("audit.log");
    assertThat(fingerprint()).isEqualTo(before);
    await(store.close());
    assertThat(verify(dir).sound()).isTrue();

    Path packed;
    try (Stream<Path> files = Files.list(dir)) {
      packed = files.filter(p -> p.toString().endsWith(".cseg")).sorted().findFirst().orElseThrow();
    }
    flip(packed, (int) Files.size(packed) / 2);
    VerifyReport damaged = verify(dir);
    assertThat(damaged.sound()).isFalse();
    assertThat(damaged.checks()).filteredOn(c -> c.status() == VerifyReport.Status.DAMAGED)
        .extracting(VerifyReport.Check::file).containsExactly(packed.getFileName().toString());
  }

  @Test
  @DisplayName("a flipped byte in a sealed segment, and a damaged snapshot, are reported by file")
  void damage(Vertx vertx) throws Exception {
    await(fill(vertx, 60).close());
    Path segment;
    Path snapshot;
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> all = files.sorted().toList();
      segment = all.stream().filter(p -> p.toString().endsWith(".seg")).findFirst().orElseThrow();
      snapshot = all.stream().filter(p -> p.toString().endsWith(".snap")).findFirst().orElseThrow();
    }
    flip(segment, 100);
    flip(snapshot, 50);
    Map<String, String> before = fingerprint();
    VerifyReport report = verify(dir);
    assertThat(report.sound()).isFalse();
    assertThat(report.checks()).filteredOn(c -> c.status() == VerifyReport.Status.DAMAGED)
        .extracting(VerifyReport.Check::file)
        .contains(segment.getFileName().toString(), snapshot.getFileName().toString());
    assertThat(fingerprint()).isEqualTo(before);
  }

  @Test
  @DisplayName("a dump taken while the store is open sees every acknowledged record, in order")
  void dumpWhileOpen(Vertx vertx) throws Exception {
    HealthStore store = fill(vertx, 60);
    StoreDump dump = await(DiskStore.dump(vertx, TestSupport.options(dir)));
    await(store.ingest(List.of(sample("late", T0, true)))); // after the dump: not in it
    assertThat(await(dump.channels())).extracting(c -> c.channelId()).containsExactly("c0", "c1", "c2");
    List<Sample> paged = new ArrayList<>();
    Sample.SampleKey after = null;
    while (true) {
      List<Sample> page = await(dump.samples("c1", after, 7));
      if (page.isEmpty()) {
        break;
      }
      paged.addAll(page);
      after = page.get(page.size() - 1).key();
    }
    assertThat(paged).containsExactlyElementsOf(TestSupport.all(store, "c1"));
    assertThat(await(dump.custom())).containsEntry("k", "{\"a\":1}");
    await(dump.close());
    await(store.close());
  }

  @Test
  @DisplayName("dumps open while the store keeps writing and compresses its sealed segments")
  void dumpWhileCompressing(Vertx vertx) throws Exception {
    HealthStore store = fill(vertx, 60);
    long t = T0 + 100_000;
    for (int round = 0; round < 30; round++) {
      io.vertx.core.Future<Integer> compaction = ((DiskStore) store).compactNow();
      for (int b = 0; b < 5; b++) {
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          batch.add(sample("c" + (i % 3), t++, i % 5 != 0));
        }
        await(store.ingest(batch));
      }
      StoreDump dump = await(DiskStore.dump(vertx, TestSupport.options(dir)));
      assertThat(await(dump.channels())).extracting(c -> c.channelId()).containsExactly("c0", "c1", "c2");
      await(dump.close());
      await(compaction);
    }
    await(store.close());
  }

  private static void flip(Path p, long at) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x5A));
      b.rewind();
      ch.write(b, at);
    }
  }
}
