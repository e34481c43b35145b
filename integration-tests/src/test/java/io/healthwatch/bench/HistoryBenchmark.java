package io.healthwatch.bench;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.vertx.core.Future;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Fills a store with a long history through its API, then measures what a dashboard feels: the
 * time to open the store again, the window query for 1,000 samples of one channel, the 30-day
 * statistics of one channel, and the heap in use. Runs in-process against any backend.
 */
public final class HistoryBenchmark {
  public static final long DAY = 86_400_000L;

  /** What one backend measured. Times in milliseconds. */
  public record Result(long samples, double fillSamplesPerSecond, double openMillis, double windowP50, double windowP99,
      double statsP50, double statsP99, long heapUsedMiB) {}

  private final int channels;
  private final long samples;
  private final long end = System.currentTimeMillis() - 60_000;
  private final long interval;

  /**
   * @param channels number of channels
   * @param samples total samples, spread evenly over the channels and over 30 days before now
   */
  public HistoryBenchmark(int channels, long samples) {
    this.channels = channels;
    this.samples = samples;
    this.interval = Math.max(1, 30 * DAY * channels / samples);
  }

  public Result run(Supplier<Future<HealthStore>> opener, int queries) {
    HealthStore store = opener.get().await();
    long fillStart = System.nanoTime();
    fill(store);
    double fillRate = samples / ((System.nanoTime() - fillStart) / 1e9);
    store.close().await();

    long openStart = System.nanoTime();
    store = opener.get().await();
    double openMillis = (System.nanoTime() - openStart) / 1e6;
    try {
      Random rnd = new Random(42);
      double[] window = new double[queries];
      double[] stats = new double[queries];
      for (int i = 0; i < queries; i++) {
        String ch = "ch-" + rnd.nextInt(channels);
        long t = System.nanoTime();
        List<Sample> s = store.samples(ch, new SampleQuery(0, Long.MAX_VALUE, 1_000, SortOrder.DESC)).await();
        window[i] = (System.nanoTime() - t) / 1e6;
        if (s.isEmpty()) {
          throw new IllegalStateException("no samples for " + ch);
        }
        t = System.nanoTime();
        store.stats(ch, end - 30 * DAY, end + 1).await();
        stats[i] = (System.nanoTime() - t) / 1e6;
      }
      System.gc();
      long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
      return new Result(samples, fillRate, openMillis, pct(window, 50), pct(window, 99), pct(stats, 50), pct(stats, 99), heap);
    } finally {
      store.close().await();
    }
  }

  /** Batches of 1,000 samples, 8 in flight, oldest first as probes would send them. */
  private void fill(HealthStore store) {
    long perChannel = samples / channels;
    List<Future<?>> inFlight = new ArrayList<>();
    List<Sample> batch = new ArrayList<>(1_000);
    for (long i = 0; i < perChannel; i++) {
      long ts = end - (perChannel - i) * interval;
      for (int c = 0; c < channels; c++) {
        boolean ok = (i + c) % 23 != 0;
        batch.add(new Sample("ch-" + c, ts, ok, ok ? 20 + (i * 7 + c) % 300 : null, null, null, null));
        if (batch.size() == 1_000) {
          inFlight.add(store.ingest(batch));
          batch = new ArrayList<>(1_000);
          if (inFlight.size() == 8) {
            Future.all(inFlight).await();
            inFlight.clear();
          }
        }
      }
    }
    if (!batch.isEmpty()) {
      inFlight.add(store.ingest(batch));
    }
    Future.all(inFlight).await();
  }

  private static double pct(double[] values, int p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }
}
