package io.healthwatch.bench;

import io.healthwatch.it.ServerProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Ingest-to-event latency: an open-loop HTTP load at a fixed rate of samples while {@code
 * subscribers} WebSocket clients wait for the events, each subscribed either to its share of the
 * channels (every channel has one subscriber: as many events go out as samples come in) or to
 * {@code "*"} (every event goes to every subscriber). The latency of a
 * sample at a subscriber is from the moment its HTTP request was sent to the moment the {@code
 * sample} event arrived there; samples sent during the warm-up are not counted.
 */
final class EventLatency {
  /** Latencies in milliseconds; events expected at, and received by, the subscribers while measuring. */
  record Result(double p50Millis, double p99Millis, long expected, long received, long dropped, long failedRequests) {}

  private static final String TIMESTAMP = "\"timestamp\":";

  private EventLatency() {}

  static Result measure(Vertx vertx, int port, int subscribers, boolean subscribeAll, int samplesPerSecond, int batchSize,
      int channels, Duration warmup, Duration duration) {
    long start = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
    BenchSamples shape = BenchSamples.live("latency-", channels, start);
    double requestsPerSecond = (double) samplesPerSecond / batchSize;
    int warmupRequests = (int) (requestsPerSecond * warmup.toMillis() / 1000);
    int totalRequests = warmupRequests + (int) (requestsPerSecond * duration.toMillis() / 1000);
    AtomicLongArray sentAt = new AtomicLongArray(totalRequests);
    Histogram latencies = new Histogram();
    LongAdder received = new LongAdder();
    LongAdder dropped = new LongAdder();

    List<WebSocketClient> clients = new ArrayList<>();
    List<Future<WebSocket>> connecting = new ArrayList<>();
    for (int s = 0; s < subscribers; s++) {
      StringBuilder share = new StringBuilder("[");
      for (int c = s; c < channels; c += subscribers) {
        share.append(c == s ? "" : ",").append("\"latency-").append(c).append('"');
      }
      String subscribe = "{\"type\":\"subscribe\",\"channels\":" + (subscribeAll ? "\"*\"" : share + "]") + "}";
      WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(16 << 20));
      clients.add(client);
      connecting.add(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/api/v1/live"))
          .compose(ws -> {
            ws.textMessageHandler(text -> {
              long now = System.nanoTime();
              if (text.startsWith("{\"type\":\"sample\"")) {
                int at = text.indexOf(TIMESTAMP) + TIMESTAMP.length();
                int end = at;
                while (Character.isDigit(text.charAt(end))) {
                  end++;
                }
                long request = shape.sequenceOf(Long.parseLong(text, at, end, 10)) / batchSize;
                if (request >= warmupRequests && request < totalRequests) {
                  latencies.record((now - sentAt.get((int) request)) / 1_000);
                  received.increment();
                }
              } else if (text.startsWith("{\"type\":\"dropped\"")) {
                dropped.add(Long.parseLong(text.replaceAll("\\D", "")));
              }
            });
            return ws.writeTextMessage(subscribe).map(ws);
          }));
    }
    Future.all(connecting).await();

    HttpClient http = IngestLoad.httpClient(vertx, 16);
    IngestLoad.Operation post = IngestLoad.http(http, port, shape, 1);
    AtomicLong next = new AtomicLong();
    LongAdder failed = new LongAdder();
    long began = System.nanoTime();
    long timer = vertx.setPeriodic(1, id -> {
      long due = Math.min(totalRequests, (long) ((System.nanoTime() - began) / 1e9 * requestsPerSecond) + 1);
      for (long r = next.get(); r < due; r = next.incrementAndGet()) {
        sentAt.set((int) r, System.nanoTime());
        post.write(0, r * batchSize, batchSize).onFailure(e -> {
          failed.increment();
          if (failed.sum() == 1) {
            System.err.println("first failed request: " + e);
          }
        });
      }
    });
    while (next.get() < totalRequests) {
      ServerProcess.pause(50);
    }
    vertx.cancelTimer(timer);
    long expected = (long) (totalRequests - warmupRequests) * batchSize * (subscribeAll ? subscribers : 1);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (received.sum() + dropped.sum() < expected && System.nanoTime() < deadline) {
      ServerProcess.pause(50);
    }
    clients.forEach(c -> c.close());
    http.close().await();
    return new Result(latencies.percentile(50) / 1_000, latencies.percentile(99) / 1_000, expected, received.sum(),
        dropped.sum(), failed.sum());
  }
}
