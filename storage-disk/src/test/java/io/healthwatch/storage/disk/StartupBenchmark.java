package io.healthwatch.storage.disk;

import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.storage.disk.impl.DiskEngine;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;

/**
 * Where the start of a store with a long history goes: loads {@code healthwatch.bench.samples}
 * samples (default 2,000,000) over 1,000 channels and 29 days into a data directory (the first
 * argument; kept, and reused when it already holds a store), then opens the engine five times and
 * prints how long each load took and its parts, and the heap in use after a full collection.
 */
public final class StartupBenchmark {
  private static final long DAY = 86_400_000L;

  private StartupBenchmark() {}

  public static void main(String[] args) throws Exception {
    long samples = Long.getLong("healthwatch.bench.samples", 2_000_000L);
    int channels = 1_000;
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("hw-startup");
    Vertx vertx = Vertx.vertx();
    DiskStoreOptions options = new DiskStoreOptions().setDataDir(dir).setStoreOptions(new StoreOptions());
    if (!Files.exists(dir.resolve("store.lock"))) {
      HealthStore store = TestSupport.await(DiskStore.open(vertx, options));
      long perChannel = samples / channels;
      long interval = 29 * DAY / perChannel;
      long start = System.currentTimeMillis() - 60_000 - perChannel * interval;
      long began = System.nanoTime();
      TestSupport.ingestAll(store, 8, LongStream.iterate(0, first -> first < samples, first -> first + 10_000)
          .mapToObj(first -> {
            List<Sample> batch = new ArrayList<>(10_000);
            for (long seq = first; seq < Math.min(samples, first + 10_000); seq++) {
              boolean ok = seq % 17 != 0;
              batch.add(new Sample("ch-" + seq % channels, start + (seq / channels) * interval + seq % channels, ok,
                  20 + seq % 180, ok ? null : Reason.TIMEOUT, ok ? null : "no answer within 5s", null));
            }
            return batch;
          }).iterator());
      System.out.printf("loaded %,d samples in %.1f s into %s%n", samples, (System.nanoTime() - began) / 1e9, dir);
      TestSupport.await(store.close());
    }
    for (int i = 0; i < 5; i++) {
      long t = System.nanoTime();
      DiskEngine engine = DiskEngine.open(options);
      double ms = (System.nanoTime() - t) / 1e6;
      System.gc();
      Runtime rt = Runtime.getRuntime();
      long used = rt.totalMemory() - rt.freeMemory();
      if (Boolean.getBoolean("healthwatch.bench.warm")) {
        t = System.nanoTime();
        for (int c = 0; c < channels; c++) {
          engine.samples("ch-" + c, new SampleQuery(0, Long.MAX_VALUE, 1_000, SortOrder.DESC));
        }
        double warm = (System.nanoTime() - t) / 1e6;
        System.gc();
        long cached = rt.totalMemory() - rt.freeMemory();
        System.out.printf("  warming every channel's cache took %.0f ms; heap %d MiB with it%n", warm, cached >> 20);
      }
      System.out.printf("open %d: %.0f ms (%s); heap after GC %d MiB%n", i, ms, engine.loadTimes(), used >> 20);
      int windows = Integer.getInteger("healthwatch.bench.windows", 0);
      if (windows > 0) {
        weekOldWindows(engine, channels, windows);
      }
      engine.close();
    }
    TestSupport.await(vertx.close());
  }

  /**
   * Times {@code count} reads (after as many untimed ones) of the 1,000 samples of a random channel
   * before a week ago, newest first: the server benchmark's week-old window, read from the
   * compressed segments, without HTTP.
   */
  private static void weekOldWindows(DiskEngine engine, int channels, int count) throws Exception {
    long weekAgo = System.currentTimeMillis() - 7 * DAY;
    SampleQuery q = new SampleQuery(0, weekAgo, 1_000, SortOrder.DESC);
    Random random = new Random(42);
    double[] ms = new double[count];
    long samples = 0;
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < count; i++) {
        long t = System.nanoTime();
        samples += engine.samples("ch-" + random.nextInt(channels), q).size();
        ms[i] = (System.nanoTime() - t) / 1e6;
      }
    }
    Arrays.sort(ms);
    System.out.printf("  week-old windows: p50 %.2f / p90 %.2f / p99 %.2f / max %.2f ms, %d samples per answer%n",
        ms[count / 2], ms[count * 9 / 10], ms[count * 99 / 100], ms[count - 1], samples / (2 * count));
  }
}
