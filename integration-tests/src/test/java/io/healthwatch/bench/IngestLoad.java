package io.healthwatch.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * A closed-loop load generator: {@code streams} writes in flight at all times, each stream carrying
 * the next {@code batchSize} samples of its own sequence (so every sample is new: the figure is
 * durable ingestion, not duplicate detection). A write is an {@link Operation}: an HTTP request to the
 * packaged server ({@link #http}), or anything else to compare it with (a plain SQL INSERT).
 */
public final class IngestLoad {
  /** What a run measured; latencies are per write, in microseconds. */
  public record Result(long samples, long requests, long errors, double seconds, double p50Micros, double p99Micros) {
    public double samplesPerSecond() {
      return samples / seconds;
    }

    public double requestsPerSecond() {
      return (requests - errors) / seconds;
    }
  }

  /** One write of stream {@code stream}: {@code count} samples starting at its sequence number {@code first}. */
  public interface Operation {
    Future<Void> write(int stream, long first, int count);
  }

  private final Vertx vertx;
  private final int streams;
  private final int batchSize;
  private final Operation operation;
  private final long[] sequences;

  public IngestLoad(Vertx vertx, int streams, int batchSize, Operation operation) {
    this.vertx = vertx;
    this.streams = streams;
    this.batchSize = batchSize;
    this.operation = operation;
    this.sequences = new long[streams];
  }

  /**
   * {@code POST /api/v1/samples} to a server on the loopback interface, each of {@code streams}
   * streams sending its {@link BenchSamples#slice} of {@code shape}; anything but 200 is a failure.
   */
  public static Operation http(HttpClient client, int port, BenchSamples shape, int streams) {
    BenchSamples[] slices = shape.slices(streams);
    return (stream, first, count) -> {
      Buffer body = Buffer.buffer(slices[stream].jsonBatch(first, count));
      RequestOptions req = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
          .setURI("/api/v1/samples").putHeader("content-type", "application/json");
      return client.request(req)
          .compose(r -> r.send(body))
          .compose(resp -> resp.body().compose(b -> resp.statusCode() == 200 ? Future.succeededFuture()
              : Future.failedFuture("HTTP " + resp.statusCode() + ": " + b)));
    };
  }

  /** A keep-alive HTTP client with {@code connections} connections. */
  public static HttpClient httpClient(Vertx vertx, int connections) {
    return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(connections));
  }

  /** Sends load for {@code warmup}, then measures for {@code duration}. */
  public Result run(Duration warmup, Duration duration) {
    phase(System.nanoTime() + warmup.toNanos(), Long.MAX_VALUE, new Stats());
    Stats stats = new Stats();
    long start = System.nanoTime();
    phase(start + duration.toNanos(), Long.MAX_VALUE, stats);
    return stats.result((System.nanoTime() - start) / 1e9);
  }

  /** Writes {@code total} samples, shared evenly by the streams, as fast as they go. */
  public Result fill(long total) {
    Stats stats = new Stats();
    long start = System.nanoTime();
    phase(Long.MAX_VALUE, total, stats);
    return stats.result((System.nanoTime() - start) / 1e9);
  }

  private void phase(long deadline, long total, Stats stats) {
    List<Future<Void>> loops = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      Promise<Void> done = Promise.promise();
      loops.add(done.future());
      int stream = s;
      long share = total == Long.MAX_VALUE ? total : total / streams + (s < total % streams ? 1 : 0);
      vertx.runOnContext(v -> loop(stream, deadline, share, stats, done));
    }
    Future.all(loops).await();
  }

  private void loop(int stream, long deadline, long total, Stats stats, Promise<Void> done) {
    long first = sequences[stream];
    if (System.nanoTime() >= deadline || first >= total) {
      done.complete();
      return;
    }
    int count = (int) Math.min(batchSize, total - first);
    sequences[stream] += count;
    long sent = System.nanoTime();
    operation.write(stream, first, count).onComplete(ar -> {
      stats.record(ar.succeeded(), (System.nanoTime() - sent) / 1_000, count);
      if (ar.failed() && stats.errors.sum() == 1) {
        System.err.println("first failed write: " + ar.cause());
      }
      loop(stream, deadline, total, stats, done);
    });
  }

  /** Counts and latencies, safe to record from several event loops. */
  private static final class Stats {
    private final LongAdder samples = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Histogram latencies = new Histogram();

    void record(boolean ok, long micros, int count) {
      requests.increment();
      if (ok) {
        samples.add(count);
      } else {
        errors.increment();
      }
      latencies.record(micros);
    }

    Result result(double seconds) {
      return new Result(samples.sum(), requests.sum(), errors.sum(), seconds, latencies.percentile(50), latencies.percentile(99));
    }
  }
}
