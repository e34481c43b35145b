package io.healthwatch.storage.disk.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.storage.disk.DiskStoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot file: version 2 (JSON, then the rollups in binary), and version 1 files still read the same. */
class SnapshotStateTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long HOUR = 3_600_000L;

  private static DiskStoreOptions options(Path dir) {
    return new DiskStoreOptions().setDataDir(dir).setStoreOptions(new StoreOptions()).setCompressSealedSegments(false);
  }

  /** A closed store of 3 channels over 48 hours; returns the newest snapshot file. */
  private static Path fill(Path dir) throws IOException {
    DiskEngine engine = DiskEngine.open(options(dir));
    engine.beginGroup();
    List<Sample> batch = new ArrayList<>();
    for (int i = 0; i < 48 * 12; i++) {
      batch.add(new Sample("c" + i % 3, T0 + i * 300_000L, i % 7 != 0, 10L + i % 50, null, null, "p"));
    }
    engine.ingest(batch);
    engine.commitGroup();
    engine.close();
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".snap")).max(Path::compareTo).orElseThrow();
    }
  }

  private static List<Object> stats(Path dir) throws IOException {
    DiskEngine engine = DiskEngine.open(options(dir));
    try {
      assertThat(engine.health().status()).isEqualTo(StoreHealth.Status.UP);
      List<Object> out = new ArrayList<>();
      out.add(engine.health().details().get("rollupBuckets"));
      for (int c = 0; c < 3; c++) {
        out.add(engine.stats("c" + c, T0 - HOUR, T0 + 50 * HOUR));
        out.add(engine.stats("c" + c, T0 + 5 * HOUR, T0 + 30 * HOUR));
      }
      return out;
    } finally {
      engine.close();
    }
  }

  @Test
  @DisplayName("a version 2 snapshot holds the rollups after its JSON; damage in either part is found")
  void version2(@TempDir Path dir) throws IOException {
    Path snap = fill(dir);
    byte[] data = Files.readAllBytes(snap);
    SnapshotState.Decoded d = SnapshotState.decode(data);
    assertThat(d.state().version()).isEqualTo(2);
    assertThat(d.state().rollups().channels()).isEmpty();
    assertThat(d.rollups()).containsOnlyKeys("c0", "c1", "c2");
    for (int at : new int[] {20, data.length - 3}) {
      byte[] bad = data.clone();
      bad[at] ^= 1;
      assertThatThrownBy(() -> SnapshotState.decode(bad)).isInstanceOf(IOException.class);
    }
    assertThatThrownBy(() -> SnapshotState.decode(java.util.Arrays.copyOf(data, data.length - 1)))
        .isInstanceOf(IOException.class);
  }

  @Test
  @DisplayName("the checksum check of an older snapshot finds the same damage as decoding it, without decoding")
  void checksumsHold(@TempDir Path dir) throws IOException {
    Path snap = fill(dir);
    byte[] data = Files.readAllBytes(snap);
    assertThat(holds(dir, data)).isTrue();
    for (int at : new int[] {2, 20, data.length - 3}) {
      byte[] bad = data.clone();
      bad[at] ^= 1;
      assertThat(holds(dir, bad)).as("a byte flipped at %d", at).isFalse();
    }
    assertThat(holds(dir, java.util.Arrays.copyOf(data, data.length - 1))).as("cut short").isFalse();
    assertThat(holds(dir, java.util.Arrays.copyOf(data, data.length + 1))).as("a byte appended").isFalse();
    assertThat(holds(dir, new byte[0])).as("empty").isFalse();
  }

  @Test
  @DisplayName("an older snapshot whose checksum fails is kept aside and reported at start; the newest one is used")
  void damagedOlderSnapshot(@TempDir Path dir) throws IOException {
    Path older = fill(dir);
    DiskEngine engine = DiskEngine.open(options(dir));
    engine.beginGroup();
    engine.ingest(List.of(new Sample("c0", T0 + 49 * HOUR, true, 5L, null, null, "p")));
    engine.commitGroup();
    engine.close();
    byte[] data = Files.readAllBytes(older);
    data[data.length / 2] ^= 1;
    Files.write(older, data);

    DiskEngine reopened = DiskEngine.open(options(dir));
    try {
      assertThat(reopened.health().status()).isEqualTo(StoreHealth.Status.DEGRADED);
      assertThat(reopened.health().problems())
          .anyMatch(p -> p.contains(older.getFileName().toString()) && p.contains("kept aside"));
      assertThat(Files.exists(older)).isFalse();
      long total = 0;
      for (int c = 0; c < 3; c++) {
        total += reopened.stats("c" + c, T0 - HOUR, T0 + 50 * HOUR).samples();
      }
      assertThat(total).isEqualTo(48 * 12 + 1);
    } finally {
      reopened.close();
    }
  }

  private static boolean holds(Path dir, byte[] content) throws IOException {
    Path file = Files.write(dir.resolve("check.snap"), content);
    try (var h = NioFileOps.INSTANCE.openRead(file)) {
      return SnapshotState.checksumsHold(h);
    }
  }

  @Test
  @DisplayName("a version 1 snapshot (rollups as base64 in the JSON) restores the same state")
  void version1StillRead(@TempDir Path dir) throws IOException {
    Path snap = fill(dir);
    List<Object> expected = stats(dir);
    // Rewrite every snapshot as version 1, as an older release wrote it.
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(x -> x.getFileName().toString().endsWith(".snap")).toList()) {
        SnapshotState.Decoded d = SnapshotState.decode(Files.readAllBytes(f));
        SnapshotState s = d.state();
        Map<String, String> base64 = new TreeMap<>();
        d.rollups().forEach((c, b) -> base64.put(c, Base64.getEncoder().encodeToString(b)));
        SnapshotState v1 = new SnapshotState(1, s.position(), s.channels(), s.outages(), s.activeWatch(),
            s.archivedWatches(), s.custom(), s.deletions(), s.retentionMarks(), s.outageArchive(),
            new RollupStore.State(s.rollups().rawFloor(), base64));
        Files.write(f, Frames.encode(Json.MAPPER.writeValueAsBytes(v1)));
      }
    }
    assertThat(SnapshotState.decode(Files.readAllBytes(snap)).rollups()).isNull();
    assertThat(stats(dir)).isEqualTo(expected);
    // The next snapshot is written as version 2 again.
    DiskEngine engine = DiskEngine.open(options(dir));
    engine.beginGroup();
    engine.ingest(List.of(new Sample("c0", T0 + 60 * HOUR, true, 5L, null, null, "p")));
    engine.commitGroup();
    engine.close();
    try (Stream<Path> files = Files.list(dir)) {
      Path newest = files.filter(f -> f.getFileName().toString().endsWith(".snap")).max(Path::compareTo).orElseThrow();
      assertThat(newest).isNotEqualTo(snap);
      assertThat(SnapshotState.decode(Files.readAllBytes(newest)).state().version()).isEqualTo(2);
    }
  }
}
