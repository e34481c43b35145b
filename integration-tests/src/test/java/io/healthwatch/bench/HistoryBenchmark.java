package io.healthwatch.bench;

import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.it.Backend;
import io.healthwatch.it.HttpApi;
import io.healthwatch.it.ServerProcess;
import io.healthwatch.storage.disk.DiskStore;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.healthwatch.storage.mysql.MySqlStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
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
   * The queries go one after another over one keep-alive connection from an event loop of this
   * JVM, so what is timed is the server and the network stack, not hand-offs between the client's
   * own threads (a blocking client such as the JDK's adds 2-3 ms to the p99 on a 2-core machine).
   */
  Queries queries(Vertx vertx, ServerProcess server, int warmup, int count) {
    HttpClient http = IngestLoad.httpClient(vertx, 1);
    try {
      queries(vertx, http, server.port(), new Random(7), warmup);
      System.gc();
      return queries(vertx, http, server.port(), new Random(42), count);
    } finally {
      http.close().await();
    }
  }

  private Queries queries(Vertx vertx, HttpClient http, int port, Random random, int count) {
    long weekAgo = end - 7 * DAY;
    String[][] paths = new String[count][];
    for (int i = 0; i < count; i++) {
      String channel = "/api/v1/channels/ch-" + random.nextInt(channels);
      paths[i] = new String[] {channel + "/samples?limit=1000", channel + "/samples?limit=1000&to=" + weekAgo,
          channel + "/stats?from=" + (end - 30 * DAY) + "&to=" + (end + 1)};
    }
    double[][] millis = new double[3][count];
    long[] weekOldSamples = {0};
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> ask(http, port, paths, 0, millis, weekOldSamples, done));
    done.future().await();
    return new Queries(percentile(millis[0], 50), percentile(millis[0], 99), percentile(millis[1], 50),
        percentile(millis[1], 99), percentile(millis[2], 50), percentile(millis[2], 99),
        (double) weekOldSamples[0] / count);
  }

  /** Asks query {@code n} (of the {@code 3 * paths.length}), and when it is answered the next one. */
  private static void ask(HttpClient http, int port, String[][] paths, int n, double[][] millis, long[] weekOldSamples,
      Promise<Void> done) {
    if (n == 3 * paths.length) {
      done.complete();
      return;
    }
    int i = n / 3;
    int kind = n % 3;
    String path = paths[i][kind];
    long t = System.nanoTime();
    http.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(HttpClientRequest::send)
        .compose(resp -> resp.body().compose(body -> resp.statusCode() == 200 ? Future.succeededFuture(body)
            : Future.failedFuture("GET " + path + " answered " + resp.statusCode() + ": " + body)))
        .onSuccess(body -> {
          millis[kind][i] = (System.nanoTime() - t) / 1e6;
          if (kind == 1) {
            // Counted after the clock stops: parsing the answer is the client's work, not the server's.
            weekOldSamples[0] += HttpApi.parse(body.toString()).path("samples").size();
          }
          ask(http, port, paths, n + 1, millis, weekOldSamples, done);
        })
        .onFailure(done::fail);
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
