package io.healthwatch.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A real WebSocket client of /api/v1/live that queues what it receives for assertions. */
final class LiveClient implements AutoCloseable {
  final WebSocketClient client;
  final WebSocket ws;
  final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  final CountDownLatch closed = new CountDownLatch(1);

  private LiveClient(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(t -> frames.add(new JsonObject(t)));
    ws.closeHandler(v -> closed.countDown());
  }

  static Future<WebSocket> open(Vertx vertx, WebSocketClient client, int port, String token) {
    WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/api/v1/live");
    if (token != null) {
      o.addHeader("Authorization", "Bearer " + token);
    }
    return client.connect(o);
  }

  static LiveClient connect(Vertx vertx, int port, String token) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(16 * 1024 * 1024).setMaxFrameSize(16 * 1024 * 1024));
    return new LiveClient(client, TestServer.await(open(vertx, client, port, token)));
  }

  static LiveClient wrap(WebSocketClient client, WebSocket ws) {
    return new LiveClient(client, ws);
  }

  LiveClient send(JsonObject frame) {
    TestServer.await(ws.writeTextMessage(frame.encode()));
    return this;
  }

  /** Sends a request and returns the answer with the same id, skipping events. */
  JsonObject request(JsonObject frame) {
    String id = frame.getString("id");
    send(frame);
    return await(f -> id.equals(f.getValue("id")));
  }

  JsonObject next() {
    try {
      JsonObject f = frames.poll(10, TimeUnit.SECONDS);
      assertThat(f).as("a frame within 10 s").isNotNull();
      return f;
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** The first frame matching, skipping the others. */
  JsonObject await(Predicate<JsonObject> match) {
    while (true) {
      JsonObject f = next();
      if (match.test(f)) {
        return f;
      }
    }
  }

  JsonObject awaitType(String type) {
    return await(f -> type.equals(f.getString("type")));
  }

  /** Every frame that arrives within {@code millis}. */
  List<JsonObject> collect(long millis) {
    List<JsonObject> out = new ArrayList<>();
    long end = System.currentTimeMillis() + millis;
    try {
      while (true) {
        long left = end - System.currentTimeMillis();
        JsonObject f = left <= 0 ? frames.poll() : frames.poll(left, TimeUnit.MILLISECONDS);
        if (f == null) {
          return out;
        }
        out.add(f);
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  boolean awaitClosed(long seconds) {
    try {
      return closed.await(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
