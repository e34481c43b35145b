package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compression of sealed segments seen from outside: typical probe data takes a fraction of the raw
 * bytes, and every query answers the same before and after compression, after a restart, and when
 * the state is rebuilt from the log alone.
 */
@ExtendWith(VertxExtension.class)
class CompressionTest {
  private static final int CHANNELS = 40;
  private static final int PER_CHANNEL = 300;

  static DiskStoreOptions options(Path dir, boolean compress) {
    return TestSupport.options(dir).setSegmentBytes(64 * 1024).setSnapshotIntervalBytes(32 * 1024)
        .setCompressSealedSegments(compress)
        .setStoreOptions(new StoreOptions().setMaxCachedSamplesPerChannel(20).setMaxCachedOutages(5));
  }

  static DiskStore disk(HealthStore store) {
    return (DiskStore) store;
  }

  static long detail(HealthStore store, String key) {
    return ((Number) await(store.health()).details().get(key)).longValue();
  }

  @Test
  @DisplayName("a heap too small to compress a segment safely leaves sealed segments raw")
  void heapTooSmall() {
    long heap = Runtime.getRuntime().maxMemory();
    assertThat(DiskStore.heapAllowsCompression(heap / 2)).as("a segment half the heap").isFalse();
    assertThat(DiskStore.heapAllowsCompression(heap / (2 * DiskStore.COMPRESSION_HEAP_FACTOR))).isTrue();
  }

  @Test
  @DisplayName("restored samples stay readable: a segment holding restore records is left uncompressed")
  void restoredSamplesStayReadable(Vertx vertx, @TempDir Path tmp) {
    List<List<Sample>> batches = ProbeData.batches(CHANNELS, PER_CHANNEL, 1);
    // The channel states a backup carries come first, as restore writes them.
    HealthStore source = new io.healthwatch.core.memory.InMemoryStore(vertx, new StoreOptions());
    List<Sample> all = new ArrayList<>();
    for (List<Sample> b : batches) {
      await(source.ingest(b));
      all.addAll(b);
    }
    HealthStore store = TestSupport.open(vertx, options(tmp.resolve("restored"), true));
    await(store.restore(io.healthwatch.core.storage.RestoreBatch.ofChannels(await(source.channels()))));
    for (List<Sample> b : batches) {
      await(store.restore(io.healthwatch.core.storage.RestoreBatch.ofSamples(b)));
    }
    await(disk(store).compactNow());
    String channel = ProbeData.channel(1);
    List<Sample> expected = all.stream().filter(s -> s.channelId().equals(channel)).toList();
    assertThat(await(store.samples(channel, new SampleQuery(0, Long.MAX_VALUE, 10_000, SortOrder.ASC))))
        .as("restored samples of %s after compaction", channel).hasSize(expected.size())
        .containsExactlyInAnyOrderElementsOf(expected);
    await(store.close());
    await(source.close());
  }

  @Test
  @DisplayName("typical probe data in compressed segments takes under a quarter of the raw bytes per sample")
  void smallerThanRaw(Vertx vertx, @TempDir Path tmp) {
    List<List<Sample>> batches = ProbeData.batches(CHANNELS, PER_CHANNEL, 1);
    HealthStore raw = TestSupport.open(vertx, options(tmp.resolve("raw"), false));
    HealthStore compressed = TestSupport.open(vertx, options(tmp.resolve("compressed"), true));
    for (List<Sample> b : batches) {
      await(raw.ingest(b));
      await(compressed.ingest(b));
    }
    await(disk(compressed).compactNow());
    long samples = (long) CHANNELS * PER_CHANNEL;
    double rawPerSample = (double) detail(raw, "logBytes") / samples;
    long compressedSamples = detail(compressed, "compressedSamples");
    assertThat(compressedSamples).as("samples in compressed segments").isGreaterThan(samples / 2);
    double compressedPerSample = (double) detail(compressed, "compressedBytes") / compressedSamples;
    System.out.printf("bytes per stored sample: raw %.1f, compressed %.2f (%d of %d samples compressed)%n",
        rawPerSample, compressedPerSample, compressedSamples, samples);
    assertThat(compressedPerSample).isLessThan(rawPerSample / 4);
    assertThat(detail(compressed, "logBytes")).isLessThan(detail(raw, "logBytes") / 2);
    await(raw.close());
    await(compressed.close());
  }

  @Test
  @DisplayName("writes and queries are answered while a segment is being compressed")
  void writesGoOnWhileCompressing(Vertx vertx) throws Exception {
    SimulatedDisk disk = new SimulatedDisk();
    DiskStore store = (DiskStore) TestSupport.open(vertx, PowerLossTest.options(disk).setCompressSealedSegments(false));
    for (int b = 0; b < 60; b++) {
      await(store.ingest(PowerLossTest.batch(b)));
    }
    java.util.concurrent.CountDownLatch reached = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    disk.beforeForce = () -> {
      if (Thread.currentThread().getName().startsWith("healthwatch-disk-compactor")) {
        reached.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    io.vertx.core.Future<Integer> compaction = store.compactNow();
    assertThat(reached.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the compactor writes its file").isTrue();
    for (int b = 60; b < 90; b++) {
      await(store.ingest(PowerLossTest.batch(b)));
      assertThat(TestSupport.all(store, "c" + (b % 3))).contains(PowerLossTest.batch(b).get(0));
    }
    assertThat(compaction.isComplete()).as("the compactor is still held in its fsync").isFalse();
    release.countDown();
    assertThat(await(compaction)).isPositive();
    disk.beforeForce = () -> { };
    for (int b = 0; b < 90; b++) {
      List<Sample> expected = PowerLossTest.batch(b);
      Sample first = expected.get(0);
      assertThat(await(store.samples(first.channelId(), new SampleQuery(first.timestamp(), first.timestamp() + 10, 100,
          SortOrder.ASC)))).isEqualTo(expected);
    }
    await(store.close());
  }

  /** Every answer the test compares: windows, stats, channels and outages. */
  private static List<Object> answers(HealthStore store) {
    List<Object> out = new ArrayList<>();
    Random rnd = new Random(9);
    out.add(await(store.channels()));
    out.add(await(store.outages(new OutageQuery(null, 0, Long.MAX_VALUE, null, 500))));
    for (int c = 0; c < CHANNELS; c += 3) {
      String id = ProbeData.channel(c);
      out.add(TestSupport.all(store, id));
      for (int q = 0; q < 5; q++) {
        long from = TestSupport.T0 + rnd.nextInt(PER_CHANNEL * 30) * 1000L;
        long to = from + rnd.nextInt(3_600_000);
        out.add(await(store.samples(id, new SampleQuery(from, to, 1 + rnd.nextInt(80),
            rnd.nextBoolean() ? SortOrder.ASC : SortOrder.DESC))));
        out.add(await(store.stats(id, from, to)));
      }
    }
    return out;
  }

  private static void assertSame(List<Object> actual, List<Object> expected, String when) {
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      if (expected.get(i) instanceof List<?> list && actual.get(i) instanceof List<?> got) {
        for (int j = 0; j < Math.max(list.size(), got.size()); j++) {
          assertThat(j < got.size() ? got.get(j) : null).as("%s: answer %d, item %d", when, i, j)
              .isEqualTo(j < list.size() ? list.get(j) : null);
        }
      }
      assertThat(actual.get(i)).as("%s: answer %d", when, i).isEqualTo(expected.get(i));
    }
  }

  /** Probe data with a channel deletion, a retention run and late samples among the batches. */
  private static void fill(HealthStore store) {
    List<List<Sample>> batches = ProbeData.batches(CHANNELS, PER_CHANNEL, 2);
    long cutoff = TestSupport.T0 + 900_000;
    for (int i = 0; i < batches.size(); i++) {
      await(store.ingest(batches.get(i)));
      if (i == batches.size() / 4) {
        await(store.deleteChannel(ProbeData.channel(0)));
      }
      if (i == batches.size() / 3) {
        await(store.applyRetention(cutoff));
        await(store.putCustom("k", "{\"v\":1}"));
      }
      if (i == batches.size() / 3 + 5) {
        // Older than the cutoff but written after it: visible.
        await(store.ingest(List.of(new Sample(ProbeData.channel(3), cutoff - 1, true, 5L, null, null, "late"))));
      }
    }
  }

  @Test
  @DisplayName("queries answer the same before and after compression, after a restart and after a rebuild from the log")
  void sameAnswers(Vertx vertx, @TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("store");
    Path rawCopy = tmp.resolve("raw");
    HealthStore store = TestSupport.open(vertx, options(dir, false));
    fill(store);
    List<Object> before = answers(store);
    assertThat(detail(store, "compressedSegments")).isZero();
    await(store.close());
    copyDir(dir, rawCopy);

    store = TestSupport.open(vertx, options(dir, true));
    await(disk(store).compactNow());
    assertThat(detail(store, "compressedSegments")).isGreaterThan(3);
    assertSame(answers(store), before, "after compression");
    await(store.close());
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names = files.map(f -> f.getFileName().toString()).toList();
      assertThat(names).anyMatch(n -> n.endsWith(".cseg"));
      for (String n : names.stream().filter(n -> n.endsWith(".cseg")).toList()) {
        assertThat(names).as("the raw segment of %s is gone", n).doesNotContain(n.replace(".cseg", ".seg"));
      }
    }

    store = TestSupport.open(vertx, options(dir, true));
    assertSame(answers(store), before, "after a restart");
    assertThat(await(store.health()).status()).isEqualTo(StoreHealth.Status.UP);
    await(store.close());

    // Without snapshots both rebuild from what the log still holds (retention deleted its start).
    deleteSnapshots(dir);
    deleteSnapshots(rawCopy);
    HealthStore reference = TestSupport.open(vertx, options(rawCopy, false));
    List<Object> rebuilt = answers(reference);
    await(reference.close());
    store = TestSupport.open(vertx, options(dir, true));
    assertSame(answers(store), rebuilt, "state rebuilt from the log alone, compressed segments replayed");
    await(store.close());
  }

  private static void deleteSnapshots(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("snapshot-")).toList()) {
        Files.delete(f);
      }
    }
  }

  private static void copyDir(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path f : files.filter(f -> !f.getFileName().toString().equals("store.lock")).toList()) {
        Files.copy(f, to.resolve(f.getFileName()));
      }
    }
  }
}
