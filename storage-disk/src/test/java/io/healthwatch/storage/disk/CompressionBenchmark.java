package io.healthwatch.storage.disk;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Storage footprint of typical probe data ({@link ProbeData}) with and without compression of
 * sealed segments, and the latency of a window read from compressed against raw segments, in one
 * run on the same data. Sizes: {@code -Dhealthwatch.bench.channels=1000
 * -Dhealthwatch.bench.perChannel=1000} (the defaults); the data directory defaults to a temp dir,
 * or pass one as the first argument.
 */
public final class CompressionBenchmark {
  private CompressionBenchmark() {}

  public static void main(String[] args) throws Exception {
    int channels = Integer.getInteger("healthwatch.bench.channels", 1000);
    int perChannel = Integer.getInteger("healthwatch.bench.perChannel", 1000);
    boolean temporary = args.length == 0;
    Path root = temporary ? Files.createTempDirectory("hw-compress-bench") : Path.of(args[0]);
    Vertx vertx = Vertx.vertx();
    System.out.printf("data directory: %s; %,d channels x %,d samples of typical probe data%n", root, channels,
        perChannel);
    List<List<Sample>> batches = ProbeData.batches(channels, perChannel, 42);
    long samples = (long) channels * perChannel;

    DiskStore raw = open(vertx, root.resolve("raw"), false);
    DiskStore compressed = open(vertx, root.resolve("compressed"), true);
    ingest(raw, batches);
    ingest(compressed, batches);
    long start = System.nanoTime();
    TestSupport.await(compressed.compactNow());
    double compactSeconds = (System.nanoTime() - start) / 1e9;

    long rawLog = detail(raw, "logBytes");
    long rawFiles = logFileBytes(root.resolve("raw"));
    long cBytes = detail(compressed, "compressedBytes");
    long cSamples = detail(compressed, "compressedSamples");
    long cFiles = logFileBytes(root.resolve("compressed"));
    System.out.printf("%nbytes per stored sample%n");
    System.out.printf("  raw segments (*.seg):                         %8.2f%n", (double) rawLog / samples);
    System.out.printf("  raw segments with their indexes (*.seg, *.idx): %6.2f%n", (double) rawFiles / samples);
    System.out.printf("  compressed segments (*.cseg), %,d samples:   %8.2f  (%.1fx smaller)%n", cSamples,
        (double) cBytes / cSamples, ((double) rawFiles / samples) / ((double) cBytes / cSamples));
    System.out.printf("  whole log of the compressed store (raw tail included): %.2f%n", (double) cFiles / samples);
    System.out.printf("%,d sealed segments compressed (the last pass, after those done in the background during"
        + " ingest, took %.1f s)%n", detail(compressed, "compressedSegments"), compactSeconds);

    // Window reads in the compressed part of the history (the cache holds the newest 100 per channel).
    Random rnd = new Random(7);
    long span = perChannel * 10_000L;
    for (int round = 0; round < 2; round++) {
      int queries = round == 0 ? 300 : 2_000;
      long rawNanos = 0;
      long cNanos = 0;
      long rawRows = 0;
      long cRows = 0;
      for (int q = 0; q < queries; q++) {
        String c = ProbeData.channel(rnd.nextInt(channels));
        long from = TestSupport.T0 + (long) (rnd.nextDouble() * span * 0.7);
        SampleQuery query = new SampleQuery(from, from + 3_600_000, 1_000, SortOrder.ASC);
        long t0 = System.nanoTime();
        rawRows += TestSupport.await(raw.samples(c, query)).size();
        long t1 = System.nanoTime();
        cRows += TestSupport.await(compressed.samples(c, query)).size();
        long t2 = System.nanoTime();
        rawNanos += t1 - t0;
        cNanos += t2 - t1;
      }
      if (rawRows != cRows) {
        throw new IllegalStateException("raw and compressed stores answered differently: " + rawRows + " vs " + cRows);
      }
      if (round == 1) {
        System.out.printf("one-hour window read (%,d queries, %.0f samples each): raw %.0f us, compressed %.0f us,"
            + " ratio %.2f%n", queries, (double) rawRows / queries, rawNanos / 1e3 / queries, cNanos / 1e3 / queries,
            (double) cNanos / rawNanos);
      }
    }
    TestSupport.await(raw.close());
    TestSupport.await(compressed.close());
    TestSupport.await(vertx.close());
    if (temporary) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }

  private static DiskStore open(Vertx vertx, Path dir, boolean compress) {
    return (DiskStore) TestSupport.open(vertx, TestSupport.options(dir).setCompressSealedSegments(compress)
        .setStoreOptions(new StoreOptions().setMaxCachedSamplesPerChannel(100)));
  }

  private static long detail(HealthStore store, String key) {
    return ((Number) TestSupport.await(store.health()).details().get(key)).longValue();
  }

  private static long logFileBytes(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith("log-")).mapToLong(f -> f.toFile().length())
          .sum();
    }
  }

  private static void ingest(HealthStore store, List<List<Sample>> batches) throws Exception {
    TestSupport.ingestAll(store, 32, batches.iterator());
  }
}
