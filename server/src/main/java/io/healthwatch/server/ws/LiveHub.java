package io.healthwatch.server.ws;

import io.healthwatch.server.api.HealthApi;
import io.healthwatch.server.auth.Grant;
import io.healthwatch.server.auth.Tokens;
import io.healthwatch.server.config.ServerConfig;
import io.healthwatch.server.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live connections of one HTTP verticle and its consumer of {@link LiveEvents#ADDRESS}: each
 * event frame is offered to every connection, which decides by its subscriptions and its write
 * queue whether to send it.
 */
public final class LiveHub {
  private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);
  private final Vertx vertx;
  private final HealthApi api;
  private final ServerConfig config;
  private final ServerMetrics metrics;
  private final List<LiveSocket> sockets = new CopyOnWriteArrayList<>();
  private MessageConsumer<String> consumer;

  public LiveHub(Vertx vertx, HealthApi api, ServerConfig config, ServerMetrics metrics) {
    this.vertx = vertx;
    this.api = api;
    this.config = config;
    this.metrics = metrics;
  }

  /** Starts consuming events; call from the verticle's context. */
  public Future<Void> start() {
    consumer = vertx.eventBus().localConsumer(LiveEvents.ADDRESS, msg -> {
      String channel = msg.headers().get(LiveEvents.CHANNEL_HEADER);
      for (LiveSocket s : sockets) {
        try {
          s.onEvent(channel, msg.body());
        } catch (RuntimeException e) {
          // one connection's failure must not cost the connections after it this event
          LOG.warn("delivering a live event to a connection failed: {}", e.toString());
        }
      }
    });
    return consumer.completion();
  }

  /**
   * Serves an upgraded connection. {@code grant} is the caller's when it authenticated with a header
   * (or the server runs open), else null: then the client must send an auth frame in time.
   */
  public void accept(ServerWebSocket ws, Grant grant, Tokens tokens) {
    new LiveSocket(vertx, ws, grant, api, tokens, metrics, this).start(config.wsAuthTimeoutMs(), config.wsWriteQueueBytes());
  }

  /** Closes every connection and stops consuming. */
  public Future<Void> stop() {
    List<Future<Void>> closing = sockets.stream().map(LiveSocket::shutdown).toList();
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    return Future.join(List.<Future<?>>copyOf(closing)).transform(ar -> unregistered);
  }

  void add(LiveSocket s) {
    sockets.add(s);
  }

  void remove(LiveSocket s) {
    sockets.remove(s);
  }
}
