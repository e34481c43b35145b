package io.healthwatch.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A client of {@code /api/v1/live} as a probe or a dashboard uses it: every frame it receives is
 * kept in arrival order ({@link #received()}) and queued for {@link #await}.
 */
public final class LiveConnection implements AutoCloseable {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  private final WebSocketClient client;
  private final WebSocket ws;
  private final List<JsonNode> received = new ArrayList<>();
  private final LinkedBlockingQueue<JsonNode> queue = new LinkedBlockingQueue<>();
  private final CompletableFuture<Short> closed = new CompletableFuture<>();

  private LiveConnection(WebSocketClient client, WebSocket ws) {
    this.client = client;
    this.ws = ws;
    ws.textMessageHandler(text -> {
      JsonNode frame = HttpApi.parse(text);
      synchronized (received) {
        received.add(frame);
      }
      queue.add(frame);
    });
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
  }

  /** Connects, with {@code Authorization: Bearer token} at the upgrade unless {@code token} is null. */
  public static LiveConnection open(Vertx vertx, ServerProcess server, String token) {
    return await(connect(vertx, server, token));
  }

  /** The upgrade itself, for tests that expect it to be refused. */
  public static Future<LiveConnection> connect(Vertx vertx, ServerProcess server, String token) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(64 << 20).setMaxMessageSize(64 << 20));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port())
        .setURI("/api/v1/live");
    if (token != null) {
      options.addHeader("Authorization", "Bearer " + token);
    }
    return client.connect(options)
        .map(ws -> new LiveConnection(client, ws))
        .onFailure(e -> client.close());
  }

  public void send(String text) {
    await(ws.writeTextMessage(text));
  }

  public void sendBinary(byte[] bytes) {
    await(ws.writeBinaryMessage(Buffer.buffer(bytes)));
  }

  /** Sends a frame that carries {@code "id":id} and waits for the answer with the same id. */
  public JsonNode request(String id, String frame) {
    send(frame);
    return await(f -> id.equals(f.path("id").asText(null)));
  }

  /**
   * The next frame that matches, skipping (but keeping in {@link #received()}) the others; throws
   * {@link Closed} once the connection is closed and nothing matching is left.
   */
  public JsonNode await(Predicate<JsonNode> match) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    try {
      while (true) {
        JsonNode f = queue.poll(50, TimeUnit.MILLISECONDS);
        if (f == null && isClosed() && queue.isEmpty()) {
          throw new Closed();
        }
        if (f == null && System.nanoTime() > deadline) {
          throw new AssertionError("no matching frame within " + PATIENCE);
        }
        if (f != null && match.test(f)) {
          return f;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Every frame received so far, in order. */
  public List<JsonNode> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  /** The close code the server sent, once the connection is closed; fails after {@code timeout}. */
  public short awaitClosed(Duration timeout) {
    try {
      Short code = closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return code == null ? -1 : code;
    } catch (TimeoutException e) {
      throw new AssertionError("the connection was not closed within " + timeout);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Starts the closing handshake, as a browser tab that navigates away does. */
  public void leave() {
    ws.close();
  }

  /** The connection closed before the frame waited for came. */
  public static final class Closed extends RuntimeException {
    Closed() {
      super("the connection is closed", null, false, false);
    }
  }

  @Override
  public void close() {
    client.close();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause().toString(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within " + PATIENCE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
