package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promises 5 and 6 measured in bytes read: start-up and window queries read what they need, not the
 * history; retention deletes whole segments and reports disk use.
 */
@ExtendWith(VertxExtension.class)
class ScalingTest {
  private static final long SEGMENT = 64 * 1024;
  private static final int SAMPLES = 24_000;

  /** The real file system, counting the bytes read and the calls made on an event-loop thread. */
  static final class CountingFileOps implements FileOps {
    final AtomicLong bytesRead = new AtomicLong();
    final AtomicLong onEventLoop = new AtomicLong();
    private final FileOps real = FileOps.nio();

    private void check() {
      if (io.vertx.core.Context.isOnEventLoopThread()) {
        onEventLoop.incrementAndGet();
      }
    }

    @Override
    public Handle open(Path file, boolean create) throws IOException {
      check();
      return counted(real.open(file, create));
    }

    @Override
    public Handle openRead(Path file) throws IOException {
      check();
      return counted(real.openRead(file));
    }

    private Handle counted(Handle h) {
      return new Handle() {
        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
          check();
          int n = h.read(dst, position);
          bytesRead.addAndGet(Math.max(n, 0));
          return n;
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
          check();
          h.write(src, position);
        }

        @Override
        public long size() throws IOException {
          check();
          return h.size();
        }

        @Override
        public void truncate(long size) throws IOException {
          check();
          h.truncate(size);
        }

        @Override
        public void force() throws IOException {
          check();
          h.force();
        }

        @Override
        public void close() throws IOException {
          h.close();
        }
      };
    }

    @Override
    public void move(Path source, Path target) throws IOException {
      check();
      real.move(source, target);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
      check();
      real.fsyncDirectory(dir);
    }

    @Override
    public void delete(Path file) throws IOException {
      check();
      real.delete(file);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
      check();
      return real.list(dir);
    }

    @Override
    public boolean exists(Path file) {
      check();
      return real.exists(file);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
      check();
      real.createDirectories(dir);
    }

    @Override
    public Optional<Closeable> tryLock(Path lockFile) throws IOException {
      check();
      return real.tryLock(lockFile);
    }
  }

  private static DiskStoreOptions options(Path dir, FileOps ops) {
    return TestSupport.options(dir).setFileOps(ops).setSegmentBytes(SEGMENT).setSnapshotIntervalBytes(SEGMENT)
        .setStoreOptions(new StoreOptions().setMaxCachedSamplesPerChannel(100));
  }

  /** Stores {@code samples} samples one second apart over channels c0 to c3, in batches of {@code size}. */
  private static void ingest(HealthStore store, int samples, int size) {
    for (int b = 0; b < samples / size; b++) {
      List<Sample> batch = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        int n = b * size + i;
        batch.add(TestSupport.sample("c" + (n % 4), TestSupport.T0 + n * 1000L, n % 13 != 0));
      }
      await(store.ingest(batch));
    }
  }

  private static void fill(Vertx vertx, Path dir) {
    HealthStore store = TestSupport.open(vertx, options(dir, FileOps.nio()).setCompressSealedSegments(false));
    ingest(store, SAMPLES, 100);
    // Most of the history is read from compressed segments below.
    assertThat(await(((DiskStore) store).compactNow())).isPositive();
    await(store.close());
  }

  @Test
  @DisplayName("start-up and a narrow window query read a small part of a long history")
  void readsScaleWithTheAnswer(Vertx vertx, @TempDir Path dir) {
    fill(vertx, dir);
    CountingFileOps ops = new CountingFileOps();
    // Only the reads of start-up and queries are counted: no compression in the background meanwhile.
    HealthStore store = TestSupport.open(vertx, options(dir, ops).setCompressSealedSegments(false));
    StoreHealth h = await(store.health());
    long logBytes = (long) h.details().get("logBytes");
    assertThat((Integer) h.details().get("segments")).isGreaterThan(20);
    long startup = ops.bytesRead.get();
    assertThat(startup).as("bytes read at start-up of a %d-byte log", logBytes).isLessThan(3 * SEGMENT);

    ops.bytesRead.set(0);
    long from = TestSupport.T0 + 1_000 * 1000L;
    List<Sample> window = await(store.samples("c0", new SampleQuery(from, from + 40_000, 100, SortOrder.ASC)));
    assertThat(window).hasSize(10).allMatch(s -> s.timestamp() >= from && s.timestamp() < from + 40_000);
    assertThat(ops.bytesRead.get()).as("bytes read for a 10-sample window").isLessThan(SEGMENT / 4);

    ops.bytesRead.set(0);
    long hour = 3_600_000L;
    long h0 = Math.floorDiv(TestSupport.T0, hour) * hour + hour;
    long expected = java.util.stream.IntStream.range(0, SAMPLES).filter(n -> n % 4 == 0)
        .mapToLong(n -> TestSupport.T0 + n * 1000L).filter(t -> t >= h0 && t < h0 + 5 * hour).count();
    assertThat(await(store.stats("c0", h0, h0 + 5 * hour)).samples()).isEqualTo(expected).isPositive();
    assertThat(ops.bytesRead.get()).as("bytes read for the statistics of whole hours").isZero();

    ops.bytesRead.set(0);
    Sample old = TestSupport.sample("c0", TestSupport.T0 + 4_000L, true);
    assertThat(await(store.ingest(List.of(old))).duplicates()).isEqualTo(1);
    assertThat(ops.bytesRead.get()).as("bytes read to find an old duplicate").isLessThan(SEGMENT / 4);
    await(store.close());
  }

  @Test
  @DisplayName("a store closed with megabytes in its active segment starts again without reading that segment")
  void closeSealsALargeActiveSegment(Vertx vertx, @TempDir Path dir) throws IOException {
    DiskStoreOptions big = TestSupport.options(dir).setSegmentBytes(64L << 20).setSnapshotIntervalBytes(64L << 20);
    HealthStore store = TestSupport.open(vertx, big);
    int samples = 20_000;
    ingest(store, samples, 500);
    long logBytes = (long) await(store.health()).details().get("logBytes");
    assertThat(logBytes).isGreaterThan(2L << 20);
    await(store.close());

    CountingFileOps ops = new CountingFileOps();
    HealthStore reopened = TestSupport.open(vertx, TestSupport.options(dir).setFileOps(ops)
        .setSegmentBytes(64L << 20).setSnapshotIntervalBytes(64L << 20).setCompressSealedSegments(false));
    assertThat(ops.bytesRead.get()).as("bytes read at start-up after a %d-byte log", logBytes)
        .isLessThan(logBytes / 4);
    long stored = 0;
    for (int c = 0; c < 4; c++) {
      stored += await(reopened.channel("c" + c)).orElseThrow().sampleCount();
      assertThat(await(reopened.samples("c" + c, new SampleQuery(0, Long.MAX_VALUE, 10_000, SortOrder.ASC))))
          .hasSize(samples / 4);
    }
    assertThat(stored).isEqualTo(samples);
    await(reopened.close());
  }

  @Test
  @DisplayName("after a restart the first read of a channel's newest samples fills its cache; later ones read nothing")
  void newestSamplesCachedAfterRestart(Vertx vertx, @TempDir Path dir) {
    fill(vertx, dir);
    CountingFileOps ops = new CountingFileOps();
    HealthStore store = TestSupport.open(vertx, options(dir, ops).setCompressSealedSegments(false));
    List<Long> expected = java.util.stream.IntStream.range(0, SAMPLES).filter(n -> n % 4 == 1)
        .mapToObj(n -> TestSupport.T0 + n * 1000L).sorted(java.util.Comparator.reverseOrder()).limit(100).toList();
    SampleQuery newest = new SampleQuery(0, Long.MAX_VALUE, 100, SortOrder.DESC);
    ops.bytesRead.set(0);
    assertThat(await(store.samples("c1", newest))).extracting(Sample::timestamp).containsExactlyElementsOf(expected);
    assertThat(ops.bytesRead.get()).as("the first read goes to the log").isPositive();
    ops.bytesRead.set(0);
    assertThat(await(store.samples("c1", newest))).extracting(Sample::timestamp).containsExactlyElementsOf(expected);
    assertThat(await(store.samples("c1", new SampleQuery(0, Long.MAX_VALUE, 10, SortOrder.DESC))))
        .extracting(Sample::timestamp).containsExactlyElementsOf(expected.subList(0, 10));
    assertThat(ops.bytesRead.get()).as("bytes read by the same reads once the cache is filled").isZero();
    // The cache goes on from there: a new sample is the newest, an old one is found a duplicate.
    await(store.ingest(List.of(TestSupport.sample("c1", TestSupport.T0 + SAMPLES * 1000L, true))));
    assertThat(await(store.samples("c1", newest))).hasSize(100).first().extracting(Sample::timestamp)
        .isEqualTo(TestSupport.T0 + SAMPLES * 1000L);
    assertThat(await(store.ingest(List.of(TestSupport.sample("c1", expected.get(50), true)))).duplicates()).isEqualTo(1);
    await(store.close());
  }

  @Test
  @DisplayName("a re-sent history, every sample a duplicate, reads the log about once, not once a sample")
  void resentHistory(Vertx vertx, @TempDir Path dir) {
    fill(vertx, dir);
    CountingFileOps ops = new CountingFileOps();
    HealthStore store = TestSupport.open(vertx, options(dir, ops));
    long logBytes = (long) await(store.health()).details().get("logBytes");
    List<Sample> history = new ArrayList<>();
    for (int n = 0; n < SAMPLES; n += 4) {
      history.add(TestSupport.sample("c0", TestSupport.T0 + n * 1000L, n % 13 != 0));
    }
    ops.bytesRead.set(0);
    for (int i = 0; i < history.size(); i += 1_000) {
      List<Sample> batch = history.subList(i, Math.min(history.size(), i + 1_000));
      assertThat(await(store.ingest(batch)).duplicates()).isEqualTo(batch.size());
    }
    assertThat(ops.bytesRead.get()).as("bytes read to recognise %d old duplicates in a %d-byte log", history.size(),
        logBytes).isLessThan(2 * logBytes);
    await(store.close());
  }

  @Test
  @DisplayName("retention deletes whole old segments, hides older samples at once and reports disk use")
  void retentionDeletesSegments(Vertx vertx, @TempDir Path dir) {
    fill(vertx, dir);
    HealthStore store = TestSupport.open(vertx, options(dir, FileOps.nio()));
    StoreHealth before = await(store.health());
    long cutoff = TestSupport.T0 + (SAMPLES / 2) * 1000L;
    long removed = await(store.applyRetention(cutoff)).samplesRemoved();
    assertThat(removed).isEqualTo(SAMPLES / 2);
    for (int c = 0; c < 4; c++) {
      assertThat(TestSupport.all(store, "c" + c)).hasSize(SAMPLES / 8).allMatch(s -> s.timestamp() >= cutoff);
    }
    // Later writes checkpoint twice, after which no snapshot needs the old segments for replay.
    for (int i = 0; i < 3000; i++) {
      await(store.ingest(List.of(TestSupport.sample("c9", TestSupport.T0 + SAMPLES * 1000L + i, true))));
    }
    StoreHealth after = await(store.health());
    assertThat((Integer) after.details().get("segments")).isLessThan((Integer) before.details().get("segments"));
    assertThat((long) after.details().get("diskBytes")).isPositive();
    await(store.close());
    HealthStore reopened = TestSupport.open(vertx, options(dir, FileOps.nio()));
    for (int c = 0; c < 4; c++) {
      assertThat(TestSupport.all(reopened, "c" + c)).hasSize(SAMPLES / 8);
    }
    assertThat(await(reopened.health()).status()).isEqualTo(StoreHealth.Status.UP);
    await(reopened.close());
  }
}
