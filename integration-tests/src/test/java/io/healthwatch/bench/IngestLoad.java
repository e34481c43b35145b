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
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A closed-loop HTTP load generator for {@code POST /api/v1/samples}: {@code connections}
 * requests in flight at all times, each carrying {@code batchSize} new samples spread over
 * {@code channels} channels, for a fixed time. Every sample is new (unique timestamps), so the
 * figure is durable ingestion, not duplicate detection. Only loopback addresses are targeted.
 */
public final class IngestLoad {
  /** What a run measured; latencies are per request, in microseconds. */
  public record Result(long samples, long requests, long errors, double seconds, long p50Micros, long p99Micros) {
    public double samplesPerSecond() {
      return samples / seconds;
    }

    public double requestsPerSecond() {
      return requests / seconds;
    }
  }

  private final Vertx vertx;
  private final int port;
  private final String token;
  private final int connections;
  private final int batchSize;
  private final int channels;
  private final AtomicLong sequence = new AtomicLong();
  private final long base = System.currentTimeMillis() - Duration.ofDays(20).toMillis();

  public IngestLoad(Vertx vertx, int port, String token, int connections, int batchSize, int channels) {
    this.vertx = vertx;
    this.port = port;
    this.token = token;
    this.connections = connections;
    this.batchSize = batchSize;
    this.channels = channels;
  }

  /** Sends load for {@code duration} after a warm-up of {@code warmup}, and measures the second part. */
  public Result run(Duration warmup, Duration duration) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(connections));
    try {
      phase(client, warmup, new Stats(1));
      Stats stats = new Stats(1 << 16);
      long start = System.nanoTime();
      phase(client, duration, stats);
      double seconds = (System.nanoTime() - start) / 1e9;
      return stats.result(seconds);
    } finally {
      client.close().await();
    }
  }

  private void phase(HttpClient client, Duration duration, Stats stats) {
    long deadline = System.nanoTime() + duration.toNanos();
    Future<?>[] loops = new Future<?>[connections];
    for (int c = 0; c < connections; c++) {
      Promise<Void> done = Promise.promise();
      loops[c] = done.future();
      vertx.runOnContext(v -> loop(client, deadline, stats, done));
    }
    Future.all(Arrays.asList(loops)).await();
  }

  private void loop(HttpClient client, long deadline, Stats stats, Promise<Void> done) {
    if (System.nanoTime() >= deadline) {
      done.complete();
      return;
    }
    Buffer body = nextBatch();
    long sent = System.nanoTime();
    RequestOptions req = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/api/v1/samples").putHeader("content-type", "application/json");
    if (token != null) {
      req.putHeader("authorization", "Bearer " + token);
    }
    client.request(req)
        .compose(r -> r.send(body))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          boolean ok = ar.succeeded() && ar.result() == 200;
          stats.record(ok, (System.nanoTime() - sent) / 1_000, ok ? batchSize : 0);
          loop(client, deadline, stats, done);
        });
  }

  private Buffer nextBatch() {
    long first = sequence.getAndAdd(batchSize);
    StringBuilder sb = new StringBuilder(batchSize * 110);
    sb.append('[');
    for (int i = 0; i < batchSize; i++) {
      long seq = first + i;
      if (i > 0) {
        sb.append(',');
      }
      boolean ok = seq % 17 != 0;
      sb.append("{\"channelId\":\"ch-").append(seq % channels).append("\",\"timestamp\":").append(base + seq)
          .append(",\"success\":").append(ok).append(",\"latencyMs\":").append(20 + seq % 180);
      if (!ok) {
        sb.append(",\"reason\":\"timeout\",\"note\":\"no answer within 5s\"");
      }
      sb.append('}');
    }
    return Buffer.buffer(sb.append(']').toString());
  }

  /** Counts and latencies, safe to record from several event loops. */
  private static final class Stats {
    private final LongAdder samples = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private long[] latencies;
    private int count;

    Stats(int capacity) {
      latencies = new long[capacity];
    }

    synchronized void record(boolean ok, long micros, int accepted) {
      requests.increment();
      if (!ok) {
        errors.increment();
      }
      samples.add(accepted);
      if (count == latencies.length) {
        latencies = Arrays.copyOf(latencies, count * 2);
      }
      latencies[count++] = micros;
    }

    synchronized Result result(double seconds) {
      long[] sorted = Arrays.copyOf(latencies, count);
      Arrays.sort(sorted);
      return new Result(samples.sum(), requests.sum(), errors.sum(), seconds, pct(sorted, 50), pct(sorted, 99));
    }

    private static long pct(long[] sorted, int p) {
      if (sorted.length == 0) {
        return 0;
      }
      return sorted[Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
  }
}
