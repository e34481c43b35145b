package io.healthwatch.storage.disk;

import io.healthwatch.core.memory.InMemoryStore;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Durable ingest rate of the disk store against the in-memory store, in one run: one sample per
 * write, 1 and 64 writes in flight, and 100-sample batches. Run with {@code mvn -Pbench ...} (see
 * README-section.md); the data directory defaults to a temp dir, or pass one as the first argument.
 */
public final class IngestBenchmark {
  private IngestBenchmark() {}

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("hw-bench");
    System.out.printf("data directory: %s%n", dir);
    System.out.printf("%-34s %14s %14s%n", "scenario", "memory", "disk (fsync)");
    HealthStore memory = new InMemoryStore(vertx, new StoreOptions());
    HealthStore disk = TestSupport.await(DiskStore.open(vertx, TestSupport.options(dir)));
    int[] channel = {0};
    for (int round = 0; round < 2; round++) {
      boolean report = round == 1; // the first round warms up the JIT
      row(report, "1 sample/write, 1 in flight", memory, disk, 1, 1, report ? 3_000 : 500, channel);
      row(report, "1 sample/write, 64 in flight", memory, disk, 1, 64, report ? 30_000 : 3_000, channel);
      row(report, "100 samples/write, 8 in flight", memory, disk, 100, 8, report ? 1_000 : 100, channel);
    }
    TestSupport.await(disk.close());
    TestSupport.await(memory.close());
    TestSupport.await(vertx.close());
  }

  private static void row(boolean report, String name, HealthStore memory, HealthStore disk, int batchSize,
      int inFlight, int writes, int[] channel) throws Exception {
    double m = rate(memory, batchSize, inFlight, writes, channel);
    double d = rate(disk, batchSize, inFlight, writes, channel);
    if (report) {
      System.out.printf("%-34s %,12.0f/s %,12.0f/s  (samples per second)%n", name, m, d);
    }
  }

  private static double rate(HealthStore store, int batchSize, int inFlight, int writes, int[] channel)
      throws Exception {
    String c = "bench-" + channel[0]++;
    long start = System.nanoTime();
    TestSupport.ingestAll(store, inFlight, IntStream.range(0, writes).mapToObj(w -> {
      List<Sample> batch = new ArrayList<>(batchSize);
      for (int i = 0; i < batchSize; i++) {
        batch.add(TestSupport.sample(c, TestSupport.T0 + (long) w * batchSize + i, true));
      }
      return batch;
    }).iterator());
    return (double) writes * batchSize / ((System.nanoTime() - start) / 1e9);
  }
}
