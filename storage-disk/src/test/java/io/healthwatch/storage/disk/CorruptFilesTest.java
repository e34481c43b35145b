package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreHealth;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged files at start-up, on the real file system: a log cut at every 4 KiB boundary and at
 * random offsets, flipped bytes, garbage appended, empty or missing snapshots, leftover temp files.
 * The start never fails; a torn tail keeps the acknowledged prefix; damage in the middle is kept
 * aside and reported by health().
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorruptFilesTest {
  private static final int BATCHES = 480;
  private static final String LOG = "log-00000000000000000000.seg";

  private Path tmp;
  private Path pristine;
  /** End offset of each batch's record in the single log segment. */
  private final List<Long> ends = new ArrayList<>();
  private int cases;

  static List<Sample> batch(int b) {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      out.add(new Sample("c" + (b % 3), TestSupport.T0 + b * 100L + i, (b + i) % 5 != 0, 20L + i, null,
          "note of batch " + b + " sample " + i + " padding the record", "probe-" + (i % 2)));
    }
    return out;
  }

  @BeforeAll
  void writePristineStore(Vertx vertx, @TempDir Path tmp) throws IOException {
    this.tmp = tmp;
    pristine = tmp.resolve("pristine");
    HealthStore store = TestSupport.open(vertx, TestSupport.options(pristine));
    for (int b = 0; b < BATCHES; b++) {
      await(store.ingest(batch(b)));
    }
    await(store.close());
    byte[] log = Files.readAllBytes(pristine.resolve(LOG));
    assertThat(log.length).isGreaterThan(600_000);
    ByteBuffer buf = ByteBuffer.wrap(log);
    for (long pos = 0; pos < log.length; ) {
      pos += 8 + buf.getInt((int) pos);
      ends.add(pos);
    }
    assertThat(ends).hasSize(BATCHES);
  }

  private Path copy(boolean keepSnapshots) throws IOException {
    Path dir = tmp.resolve("case" + cases++);
    Files.createDirectories(dir);
    try (Stream<Path> files = Files.list(pristine)) {
      for (Path f : files.toList()) {
        if (keepSnapshots || !f.getFileName().toString().startsWith("snapshot-")) {
          Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return dir;
  }

  private static Set<Integer> present(HealthStore store) {
    Set<Integer> found = new TreeSet<>();
    for (int c = 0; c < 3; c++) {
      List<Sample> all = await(store.samples("c" + c, new SampleQuery(0, Long.MAX_VALUE, SampleQuery.MAX_LIMIT, SortOrder.ASC)));
      List<Integer> ids = all.stream().map(s -> (int) ((s.timestamp() - TestSupport.T0) / 100)).toList();
      for (int b : new TreeSet<>(ids)) {
        List<Sample> mine = all.stream().filter(s -> (s.timestamp() - TestSupport.T0) / 100 == b).toList();
        assertThat(mine).as("batch %d whole, each sample once", b).isEqualTo(batch(b));
        found.add(b);
      }
    }
    return found;
  }

  private static Set<Integer> range(int fromInclusive, int toExclusive) {
    Set<Integer> s = new TreeSet<>();
    for (int b = fromInclusive; b < toExclusive; b++) {
      s.add(b);
    }
    return s;
  }

  private void assertCut(Vertx vertx, long cut, boolean keepSnapshots) throws IOException {
    Path dir = copy(keepSnapshots);
    try (var ch = java.nio.channels.FileChannel.open(dir.resolve(LOG), java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(cut);
    }
    HealthStore store = TestSupport.open(vertx, TestSupport.options(dir));
    int whole = (int) ends.stream().filter(e -> e <= cut).count();
    assertThat(present(store)).as("cut at %d", cut).isEqualTo(range(0, whole));
    StoreHealth h = await(store.health());
    if (!keepSnapshots) {
      assertThat(h.status()).as("a torn tail is a normal crash: %s", h.problems()).isEqualTo(StoreHealth.Status.UP);
    }
    await(store.close());
  }

  @Test
  @DisplayName("a log cut at any 4 KiB boundary or random offset keeps every whole record before the cut")
  void truncatedLog(Vertx vertx) throws IOException {
    long size = ends.get(ends.size() - 1);
    List<Long> cuts = new ArrayList<>();
    for (long c = 0; c < size; c += 4096) {
      cuts.add(c);
    }
    cuts.add(532_480L);
    Random rnd = new Random(3);
    for (int i = 0; i < 20; i++) {
      cuts.add((long) rnd.nextInt((int) size));
    }
    for (long cut : cuts) {
      assertCut(vertx, cut, false);
    }
  }

  @Test
  @DisplayName("a log cut short behind its snapshot is reported, and new writes after it survive a restart")
  void truncatedBehindSnapshot(Vertx vertx) throws IOException {
    Path dir = copy(true);
    try (var ch = java.nio.channels.FileChannel.open(dir.resolve(LOG), java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(532_480L);
    }
    HealthStore store = TestSupport.open(vertx, TestSupport.options(dir));
    int whole = (int) ends.stream().filter(e -> e <= 532_480L).count();
    assertThat(present(store)).isEqualTo(range(0, whole));
    StoreHealth h = await(store.health());
    assertThat(h.status()).isEqualTo(StoreHealth.Status.DEGRADED);
    assertThat(h.problems()).anyMatch(p -> p.contains("lost"));
    for (int b = whole; b < BATCHES; b++) {
      await(store.ingest(batch(b)));
    }
    await(store.close());
    HealthStore reopened = TestSupport.open(vertx, TestSupport.options(dir));
    assertThat(present(reopened)).isEqualTo(range(0, BATCHES));
    await(reopened.close());
  }

  @Test
  @DisplayName("flipped bytes in the middle of the log lose only the damaged record, kept aside and reported")
  void flippedBytes(Vertx vertx) throws IOException {
    for (int victim : new int[] {0, 17, 200, 478}) {
      for (int at : new int[] {2, 6, 40}) { // in the length, in the checksum, in the payload
        Path dir = copy(false);
        Path log = dir.resolve(LOG);
        byte[] data = Files.readAllBytes(log);
        long start = victim == 0 ? 0 : ends.get(victim - 1);
        data[(int) start + at] ^= 0x5A;
        Files.write(log, data);
        HealthStore store = TestSupport.open(vertx, TestSupport.options(dir));
        Set<Integer> expected = range(0, BATCHES);
        expected.remove(victim);
        assertThat(present(store)).as("victim %d at %d", victim, at).isEqualTo(expected);
        StoreHealth h = await(store.health());
        assertThat(h.status()).isEqualTo(StoreHealth.Status.DEGRADED);
        assertThat(h.problems()).anyMatch(p -> p.contains("damaged") && p.contains(".corrupt-"));
        try (Stream<Path> files = Files.list(dir)) {
          assertThat(files.map(f -> f.getFileName().toString())).anyMatch(n -> n.startsWith(LOG + ".corrupt-"));
        }
        await(store.close());
        HealthStore again = TestSupport.open(vertx, TestSupport.options(dir));
        assertThat(present(again)).isEqualTo(expected);
        await(again.close());
      }
    }
  }

  @Test
  @DisplayName("garbage appended to the log is cut off and every acknowledged batch stays")
  void garbageAppended(Vertx vertx) throws IOException {
    Random rnd = new Random(5);
    for (int len : new int[] {1, 7, 100, 5000}) {
      Path dir = copy(false);
      byte[] garbage = new byte[len];
      rnd.nextBytes(garbage);
      Files.write(dir.resolve(LOG), garbage, java.nio.file.StandardOpenOption.APPEND);
      HealthStore store = TestSupport.open(vertx, TestSupport.options(dir));
      assertThat(present(store)).isEqualTo(range(0, BATCHES));
      await(store.ingest(batch(BATCHES)));
      await(store.close());
      HealthStore again = TestSupport.open(vertx, TestSupport.options(dir));
      assertThat(present(again)).isEqualTo(range(0, BATCHES + 1));
      await(again.close());
    }
  }

  @Test
  @DisplayName("an empty or damaged snapshot is kept aside and reported; the log rebuilds the state")
  void badSnapshot(Vertx vertx) throws IOException {
    for (int mode = 0; mode < 3; mode++) {
      Path dir = copy(true);
      Path snap;
      try (Stream<Path> files = Files.list(dir)) {
        snap = files.filter(f -> f.getFileName().toString().startsWith("snapshot-")).max(Path::compareTo).orElseThrow();
      }
      byte[] data = Files.readAllBytes(snap);
      if (mode == 0) {
        data = new byte[0];
      } else if (mode == 1) {
        data[data.length / 2] ^= 1;
      } else {
        data = java.util.Arrays.copyOf(data, data.length / 3);
      }
      Files.write(snap, data);
      HealthStore store = TestSupport.open(vertx, TestSupport.options(dir));
      assertThat(present(store)).isEqualTo(range(0, BATCHES));
      assertThat(await(store.channels()).stream().mapToLong(c -> c.sampleCount()).sum()).isEqualTo(BATCHES * 8L);
      StoreHealth h = await(store.health());
      assertThat(h.status()).isEqualTo(StoreHealth.Status.DEGRADED);
      assertThat(h.problems()).anyMatch(p -> p.contains(snap.getFileName().toString()) && p.contains("kept aside"));
      await(store.close());
    }
  }

  @Test
  @DisplayName("a missing snapshot and leftover temp files are handled: temp files removed, state rebuilt")
  void missingSnapshotAndTempFiles(Vertx vertx) throws IOException {
    Path dir = copy(false);
    Files.write(dir.resolve("snapshot-00000000000000000100.snap.tmp-1234"), new byte[] {1, 2, 3});
    Files.write(dir.resolve("log-00000000000000000000.idx.tmp-99"), new byte[0]);
    HealthStore store = TestSupport.open(vertx, TestSupport.options(dir));
    assertThat(present(store)).isEqualTo(range(0, BATCHES));
    assertThat(await(store.health()).status()).isEqualTo(StoreHealth.Status.UP);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
    }
    await(store.close());
  }

  @Test
  @DisplayName("an empty data directory file set (only an empty log) starts as a new store")
  void emptyLog(Vertx vertx) throws IOException {
    Path dir = tmp.resolve("empty");
    Files.createDirectories(dir);
    Files.write(dir.resolve(LOG), new byte[0]);
    HealthStore store = TestSupport.open(vertx, TestSupport.options(dir));
    assertThat(await(store.channels())).isEmpty();
    assertThat(await(store.health()).status()).isEqualTo(StoreHealth.Status.UP);
    await(store.close());
  }

  @Test
  @DisplayName("damage in a sealed segment found by a query is reported and the other samples are answered")
  void damageInSealedSegment(Vertx vertx) throws IOException {
    Path dir = tmp.resolve("sealed");
    DiskStoreOptions o = TestSupport.options(dir).setSegmentBytes(64 * 1024);
    HealthStore store = TestSupport.open(vertx, o);
    for (int b = 0; b < 100; b++) {
      await(store.ingest(batch(b)));
    }
    await(store.close());
    Path first = dir.resolve(LOG);
    byte[] data = Files.readAllBytes(first);
    data[ends.get(4).intValue() + 40] ^= 0x33; // inside batch 5's record
    Files.write(first, data);
    HealthStore reopened = TestSupport.open(vertx, o);
    Set<Integer> expected = range(0, 100);
    expected.remove(5);
    assertThat(present(reopened)).isEqualTo(expected);
    StoreHealth h = await(reopened.health());
    assertThat(h.status()).isEqualTo(StoreHealth.Status.DEGRADED);
    assertThat(h.problems()).anyMatch(p -> p.contains(LOG) && p.contains("checksum"));
    await(reopened.close());
  }

  /** A store of 100 batches in 64 KiB segments, all sealed ones compressed; returns its options. */
  private DiskStoreOptions compressedStore(Vertx vertx, Path dir, Path rawCopy) throws IOException {
    DiskStoreOptions raw = TestSupport.options(dir).setSegmentBytes(64 * 1024).setSnapshotIntervalBytes(16 * 1024)
        .setCompressSealedSegments(false);
    HealthStore store = TestSupport.open(vertx, raw);
    for (int b = 0; b < 100; b++) {
      await(store.ingest(batch(b)));
    }
    await(store.close());
    Files.createDirectories(rawCopy);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.copy(f, rawCopy.resolve(f.getFileName()));
      }
    }
    HealthStore compressing = TestSupport.open(vertx, raw);
    assertThat(await(((DiskStore) compressing).compactNow())).isPositive();
    await(compressing.close());
    return raw;
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  @DisplayName("a damaged block of a compressed segment loses only its samples, reported; the rest is answered")
  void damagedCompressedBlock(Vertx vertx) throws IOException {
    Path dir = tmp.resolve("cblock");
    DiskStoreOptions o = compressedStore(vertx, dir, tmp.resolve("cblock-raw"));
    Path cseg = dir.resolve(LOG.replace(".seg", ".cseg"));
    byte[] data = Files.readAllBytes(cseg);
    data[data.length / 2] ^= 0x21;
    Files.write(cseg, data);
    HealthStore store = TestSupport.open(vertx, o);
    Set<Integer> found = present(store);
    assertThat(found).hasSizeGreaterThan(50).hasSizeLessThan(100);
    StoreHealth h = await(store.health());
    assertThat(h.status()).isEqualTo(StoreHealth.Status.DEGRADED);
    assertThat(h.problems()).anyMatch(p -> p.contains(cseg.getFileName().toString()) && p.contains("missing"));
    await(store.close());
  }

  @Test
  @DisplayName("a compressed segment with a damaged header is kept aside and reported; later segments are answered")
  void damagedCompressedHeader(Vertx vertx) throws IOException {
    Path dir = tmp.resolve("cheader");
    DiskStoreOptions o = compressedStore(vertx, dir, tmp.resolve("cheader-raw"));
    Path cseg = dir.resolve(LOG.replace(".seg", ".cseg"));
    byte[] data = Files.readAllBytes(cseg);
    data[14] ^= 0x5A;
    Files.write(cseg, data);
    HealthStore store = TestSupport.open(vertx, o);
    Set<Integer> found = present(store);
    assertThat(found).hasSizeGreaterThan(20).doesNotContain(0).contains(99);
    StoreHealth h = await(store.health());
    assertThat(h.status()).isEqualTo(StoreHealth.Status.DEGRADED);
    assertThat(h.problems()).anyMatch(p -> p.contains(cseg.getFileName().toString()) && p.contains("kept aside"));
    assertThat(names(dir)).anyMatch(n -> n.startsWith(cseg.getFileName() + ".corrupt-"));
    await(store.close());
  }

  @Test
  @DisplayName("a crash left both files of a segment: a sound compressed file wins, a partial one is discarded")
  void bothFilesOfASegment(Vertx vertx) throws IOException {
    Path dir = tmp.resolve("both");
    Path rawCopy = tmp.resolve("both-raw");
    DiskStoreOptions o = compressedStore(vertx, dir, rawCopy);
    String cname = LOG.replace(".seg", ".cseg");
    byte[] compressed = Files.readAllBytes(dir.resolve(cname));
    for (int mode = 0; mode < 3; mode++) {
      Files.copy(rawCopy.resolve(LOG), dir.resolve(LOG), StandardCopyOption.REPLACE_EXISTING);
      Files.write(dir.resolve(cname), mode == 0 ? compressed
          : java.util.Arrays.copyOf(compressed, mode == 1 ? compressed.length / 2 : 5));
      HealthStore store = TestSupport.open(vertx, o);
      assertThat(present(store)).as("mode %d", mode).isEqualTo(range(0, 100));
      StoreHealth h = await(store.health());
      assertThat(h.status()).as("mode %d: %s", mode, h.problems()).isEqualTo(StoreHealth.Status.UP);
      await(store.close());
      List<String> names = names(dir);
      if (mode == 0) {
        assertThat(names).contains(cname).doesNotContain(LOG);
      } else {
        assertThat(names).contains(LOG).doesNotContain(cname);
        // Compressed again, as it would be in the background.
        HealthStore again = TestSupport.open(vertx, o);
        assertThat(await(((DiskStore) again).compactNow())).isPositive();
        await(again.close());
      }
      assertThat(names).noneMatch(n -> n.contains(".corrupt-") || n.contains(".tmp-"));
    }
  }
}
