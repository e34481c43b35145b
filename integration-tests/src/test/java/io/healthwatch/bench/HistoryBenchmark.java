package io.healthwatch.bench;

import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.it.Backend;
import io.healthwatch.it.HttpApi;
import io.healthwatch.it.ServerProcess;
import io.healthwatch.storage.disk.DiskStore;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.healthwatch.storage.mysql.MySqlStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;

/**
 * A long history loaded into the store (through the packaged server over HTTP for the memory
 * backend, straight through the store API for disk and MySQL), then what a dashboard feels, timed
 * over HTTP: the newest 1,000 samples of one channel (the cache answers), 1,000 samples a week old
 * (it does not), and the statistics of the last 30 days; then the process's resident memory and
 * heap in use with every channel's newest samples cached.
 */
final class HistoryBenchmark {
  static final long DAY = 86_400_000L;

  /** Query latencies in milliseconds. */
  record Queries(double newestP50, double newestP99, double weekOldP50, double weekOldP99, double statsP50,
      double statsP99, double weekOldSamplesPerAnswer) {}

  private final int channels;
  private final long samples;
  private final long end = System.currentTimeMillis() - 60_000;
  private final BenchSamples shape;

  /** {@code samples} spread evenly over {@code channels} and over the 29 days before now (retention keeps 30). */
  HistoryBenchmark(int channels, long samples) {
    this.channels = channels;
    this.samples = samples;
    long perChannel = Math.max(1, samples / channels);
    long interval = Math.max(channels, 29 * DAY / perChannel);
    this.shape = new BenchSamples("ch-", channels, end - perChannel * interval, interval);
  }

  /** Loads the history oldest first in large batches on several connections; samples per second. */
  double fill(Vertx vertx, ServerProcess server, int batchSize, int connections) {
    HttpClient client = IngestLoad.httpClient(vertx, connections);
    try {
      IngestLoad.Result r = new IngestLoad(vertx, connections, batchSize, IngestLoad.http(client, server.port(), shape, connections)).fill(samples);
      if (r.errors() > 0) {
        throw new IllegalStateException(r.errors() + " batches of the history were refused");
      }
      return r.samplesPerSecond();
    } finally {
      client.close().await();
    }
  }

  /**
   * Loads the history straight into the backend's store, opened in this JVM on the server's data
   * (disk directory or MySQL database) and closed again before the server starts: the same store
   * code the server runs, without HTTP, so that ten million samples load in minutes. Oldest first,
   * {@code batchSize}-sample batches, {@code inFlight} batches at a time; samples per second.
   */
  double load(Vertx vertx, Backend.Storage storage, int batchSize, int inFlight) {
    HealthStore store = switch (storage.backend()) {
      case DISK -> DiskStore.open(vertx, new DiskStoreOptions().setDataDir(storage.dataDir())
          .setStoreOptions(new StoreOptions())).await();
      case MYSQL -> MySqlStore.open(vertx, storage.database().options().setPoolSize(inFlight)).await();
      case MEMORY -> throw new IllegalArgumentException("the memory backend keeps nothing across processes");
    };
    try {
      BenchSamples[] slices = shape.slices(inFlight);
      IngestLoad.Result r = new IngestLoad(vertx, inFlight, batchSize, (stream, first, count) -> store.ingest(
          LongStream.range(first, first + count).mapToObj(slices[stream]::sample).toList()).mapEmpty()).fill(samples);
      if (r.errors() > 0) {
        throw new IllegalStateException(r.errors() + " batches of the history failed");
      }
      return r.samplesPerSecond();
    } finally {
      store.close().await();
    }
  }

  /**
   * Waits, at most five minutes, until the store reports no sealed log segment waiting for its
   * background compression ({@code segmentsToCompress} in the details of /health/ready; backends
   * without it do not wait): a history loaded just before the start is compressed once by the
   * server, and that one-off catch-up would otherwise compete with the timed queries for the CPU.
   * Returns the milliseconds waited.
   */
  static double awaitCompressionIdle(ServerProcess server) {
    HttpApi api = new HttpApi(server);
    long began = System.nanoTime();
    while (System.nanoTime() - began < 300_000_000_000L) {
      com.fasterxml.jackson.databind.JsonNode pending = api.get("/health/ready").path("details").path("segmentsToCompress");
      if (pending.isMissingNode() || pending.asInt() == 0) {
        break;
      }
      ServerProcess.pause(200);
    }
    return (System.nanoTime() - began) / 1e6;
  }

  /** Asks every channel for its newest 1,000 samples once, so that the cache holds them all. */
  void warmCache(ServerProcess server) {
    HttpApi api = new HttpApi(server);
    for (int c = 0; c < channels; c++) {
      time(api, "/api/v1/channels/ch-" + c + "/samples?limit=1000");
    }
  }

  /**
   * Times {@code count} queries of each kind after {@code warmup} untimed ones (the server's query
   * paths compiled, as in a server that has been answering for a while), and after a full
   * collection in this JVM, which has just loaded the history (its own pauses would be timed too).
   */
  Queries queries(ServerProcess server, int warmup, int count) {
    HttpApi api = new HttpApi(server);
    queries(api, new Random(7), warmup);
    System.gc();
    return queries(api, new Random(42), count);
  }

  private Queries queries(HttpApi api, Random random, int count) {
    long weekAgo = end - 7 * DAY;
    double[] newest = new double[count];
    double[] weekOld = new double[count];
    double[] stats = new double[count];
    long weekOldSamples = 0;
    for (int i = 0; i < count; i++) {
      String channel = "/api/v1/channels/ch-" + random.nextInt(channels);
      newest[i] = time(api, channel + "/samples?limit=1000");
      long t = System.nanoTime();
      weekOldSamples += api.get(channel + "/samples?limit=1000&to=" + weekAgo).path("samples").size();
      weekOld[i] = (System.nanoTime() - t) / 1e6;
      stats[i] = time(api, channel + "/stats?from=" + (end - 30 * DAY) + "&to=" + (end + 1));
    }
    return new Queries(percentile(newest, 50), percentile(newest, 99), percentile(weekOld, 50), percentile(weekOld, 99),
        percentile(stats, 50), percentile(stats, 99), (double) weekOldSamples / count);
  }

  private static double time(HttpApi api, String path) {
    long t = System.nanoTime();
    HttpApi.Response r = api.call("GET", path, null, HttpRequest.BodyPublishers.noBody());
    double millis = (System.nanoTime() - t) / 1e6;
    if (r.status() != 200) {
      throw new IllegalStateException("GET " + path + " answered " + r.status() + ": " + r.body());
    }
    return millis;
  }

  /** Resident set size of the process, from /proc, in MiB; NaN where there is no /proc (Windows, macOS). */
  static double residentMiB(ServerProcess server) {
    Path status = Path.of("/proc", String.valueOf(server.pid()), "status");
    if (!Files.isReadable(status)) {
      return Double.NaN;
    }
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
      }
      return Double.NaN;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Live heap, in MiB: a full collection in the server ({@code jcmd <pid> GC.run}), then the heap in
   * use from /metrics; the smallest of three such readings, half a second apart. Without the
   * collection the figure counts whatever garbage the last queries left.
   */
  static double liveHeapMiB(ServerProcess server) {
    double least = Double.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      fullGc(server);
      least = Math.min(least, heapUsedMiB(server));
      ServerProcess.pause(500);
    }
    return least;
  }

  private static void fullGc(ServerProcess server) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(server.pid()), "GC.run")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("jcmd " + server.pid() + " GC.run failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Heap in use, summed over the heap pools of {@code jvm_memory_used_bytes} in /metrics, in MiB. */
  static double heapUsedMiB(ServerProcess server) {
    double bytes = 0;
    for (String line : new HttpApi(server).call("GET", "/metrics", null, HttpRequest.BodyPublishers.noBody()).body().split("\n")) {
      if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
        bytes += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return bytes / (1024 * 1024);
  }

  static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted.length == 0 ? Double.NaN : sorted[Math.max(0, (int) Math.ceil(p / 100 * sorted.length) - 1)];
  }
}
