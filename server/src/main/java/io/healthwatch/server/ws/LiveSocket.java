package io.healthwatch.server.ws;

import com.fasterxml.jackson.databind.JsonNode;
import io.healthwatch.core.ErrorCode;
import io.healthwatch.core.Limits;
import io.healthwatch.core.json.Json;
import io.healthwatch.server.api.ApiError;
import io.healthwatch.server.api.HealthApi;
import io.healthwatch.server.api.Params;
import io.healthwatch.server.auth.Grant;
import io.healthwatch.server.auth.Role;
import io.healthwatch.server.auth.Tokens;
import io.healthwatch.server.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client of {@code /api/v1/live}. Everything here runs on the connection's event loop.
 *
 * <p>Events are written only while the socket's write queue has room; beyond that they are
 * dropped and counted, and the count is sent as {@code {"type":"dropped","count":N}} once the
 * queue drains. A client that stops reading therefore costs a bounded amount of memory and never
 * holds up ingestion or other clients. Answers to the client's own requests are always written.
 */
final class LiveSocket {
  private static final Logger LOG = LoggerFactory.getLogger(LiveSocket.class);
  /** RFC 6455: the endpoint received a message that violates its policy. */
  static final short POLICY_VIOLATION = 1008;
  static final short GOING_AWAY = 1001;

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final HealthApi api;
  private final Tokens tokens;
  private final ServerMetrics metrics;
  private final LiveHub hub;
  private Grant grant;
  private long authTimer = -1;

  private boolean all;
  private final Set<String> channels = new HashSet<>();
  private final Set<String> excluded = new HashSet<>();

  private long dropped;
  private boolean awaitingDrain;

  LiveSocket(Vertx vertx, ServerWebSocket ws, Grant grant, HealthApi api, Tokens tokens, ServerMetrics metrics, LiveHub hub) {
    this.vertx = vertx;
    this.ws = ws;
    this.grant = grant;
    this.api = api;
    this.tokens = tokens;
    this.metrics = metrics;
    this.hub = hub;
  }

  void start(long authTimeoutMs, int writeQueueBytes) {
    ws.setWriteQueueMaxSize(writeQueueBytes);
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> sendError(null, ApiError.invalidRequest("binary frames are not supported; send JSON text frames")));
    ws.exceptionHandler(e -> LOG.debug("WebSocket error: {}", e.toString()));
    ws.closeHandler(v -> {
      vertx.cancelTimer(authTimer);
      hub.remove(this);
      metrics.wsClosed();
    });
    metrics.wsOpened();
    hub.add(this);
    if (grant == null) {
      authTimer = vertx.setTimer(authTimeoutMs, id -> {
        if (grant == null) {
          ws.close(POLICY_VIOLATION, "not authenticated within " + authTimeoutMs + " ms").onFailure(this::logWriteFailure);
        }
      });
    }
  }

  /** Closes the connection because the server stops. */
  Future<Void> shutdown() {
    return ws.close(GOING_AWAY, "server shutting down");
  }

  /** An event from the bus; {@code channel} is null for watch events. */
  void onEvent(String channel, String frame) {
    // A connection in its closing handshake is still registered until its close handler runs, but
    // refuses writes (writeQueueFull throws): it gets no more events.
    if (grant == null || !grant.allows(Role.READ) || !subscribed(channel) || ws.isClosed()) {
      return;
    }
    if (ws.writeQueueFull()) {
      dropped++;
      metrics.eventDropped();
      if (!awaitingDrain) {
        awaitingDrain = true;
        ws.drainHandler(v -> reportDropped());
      }
      return;
    }
    if (awaitingDrain) {
      reportDropped();
    }
    write(frame);
  }

  private void reportDropped() {
    if (!awaitingDrain) {
      return;
    }
    awaitingDrain = false;
    ws.drainHandler(null);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("type", "dropped");
    f.put("count", dropped);
    dropped = 0;
    send(f);
  }

  private boolean subscribed(String channel) {
    if (channel == null) {
      return all || !channels.isEmpty();
    }
    return all ? !excluded.contains(channel) : channels.contains(channel);
  }

  private void onText(String text) {
    JsonNode frame;
    try {
      frame = HealthApi.parseJson(text.getBytes(StandardCharsets.UTF_8));
    } catch (ApiError e) {
      sendError(null, new ApiError(ErrorCode.INVALID_JSON, "the frame is not JSON"));
      return;
    }
    if (!frame.isObject()) {
      sendError(null, ApiError.invalidRequest("a frame must be a JSON object with a \"type\""));
      return;
    }
    JsonNode id = frame.get("id");
    String type = frame.path("type").isTextual() ? frame.get("type").asText() : null;
    try {
      if ("auth".equals(type)) {
        authenticate(id, frame);
        return;
      }
      if (grant == null) {
        throw refused(Tokens.NO_TOKEN, new ApiError(ErrorCode.UNAUTHORIZED,
            "authenticate first with {\"type\":\"auth\",\"token\":\"...\"}"));
      }
      switch (type == null ? "" : type) {
        case "subscribe" -> subscribe(id, frame);
        case "unsubscribe" -> unsubscribe(id, frame);
        case "ingest" -> ingest(id, frame);
        case "query" -> query(id, frame);
        default -> throw ApiError.invalidRequest(
            "unknown frame type '" + (type == null ? "" : type) + "'; one of auth, subscribe, unsubscribe, ingest, query");
      }
    } catch (RuntimeException e) {
      sendError(id, ApiError.from(e));
    }
  }

  private void authenticate(JsonNode id, JsonNode frame) {
    String token = frame.path("token").isTextual() ? frame.get("token").asText() : null;
    Grant g = tokens.isEmpty() ? Grant.OPEN : tokens.authenticate(token).orElse(null);
    if (g == null) {
      sendError(id, refused(Tokens.identity(token), new ApiError(ErrorCode.UNAUTHORIZED, "unknown token")));
      if (grant == null) {
        ws.close(POLICY_VIOLATION, "unknown token").onFailure(this::logWriteFailure);
      }
      return;
    }
    grant = g;
    vertx.cancelTimer(authTimer);
    Map<String, Object> reply = reply("authenticated", id);
    reply.put("roles", g.roles().stream().map(Role::wireName).sorted().toList());
    send(reply);
  }

  private void require(Role role) {
    if (!grant.allows(role)) {
      throw refused(grant.actor(), new ApiError(ErrorCode.FORBIDDEN, "this token lacks the '" + role.wireName() + "' role"));
    }
  }

  /**
   * Records a refused frame in the audit trail (its error frame does not wait for the record) and
   * returns the error.
   */
  private ApiError refused(String actor, ApiError error) {
    api.audit().refused(actor, "WebSocket /api/v1/live", error.code().code() + ": " + error.getMessage());
    return error;
  }

  private void subscribe(JsonNode id, JsonNode frame) {
    require(Role.READ);
    JsonNode cs = frame.get("channels");
    if (isStar(cs)) {
      all = true;
      excluded.clear();
    } else {
      List<String> list = channelList(cs);
      channels.addAll(list);
      excluded.removeAll(list);
    }
    Map<String, Object> reply = reply("subscribed", id);
    reply.put("channels", cs);
    send(reply);
  }

  private void unsubscribe(JsonNode id, JsonNode frame) {
    require(Role.READ);
    JsonNode cs = frame.get("channels");
    if (isStar(cs)) {
      all = false;
      channels.clear();
      excluded.clear();
    } else {
      List<String> list = channelList(cs);
      list.forEach(channels::remove);
      if (all) {
        excluded.addAll(list);
      }
    }
    Map<String, Object> reply = reply("unsubscribed", id);
    reply.put("channels", cs);
    send(reply);
  }

  private static boolean isStar(JsonNode cs) {
    return cs != null && cs.isTextual() && "*".equals(cs.asText());
  }

  private static List<String> channelList(JsonNode cs) {
    if (cs == null || !cs.isArray()) {
      throw ApiError.invalidRequest("channels must be \"*\" or an array of channel ids");
    }
    List<String> list = new ArrayList<>();
    for (JsonNode c : cs) {
      if (!c.isTextual() || !Limits.isValidId(c.asText())) {
        throw ApiError.invalidRequest("'" + c.asText() + "' is not a valid channel id");
      }
      list.add(c.asText());
    }
    return list;
  }

  private void ingest(JsonNode id, JsonNode frame) {
    require(Role.INGEST);
    JsonNode samples = frame.get("samples");
    if (samples == null || samples.isNull()) {
      throw ApiError.invalidRequest("samples is required: an array of samples");
    }
    api.ingest(HealthApi.samplesOf(samples)).onComplete(ar -> {
      if (ar.succeeded()) {
        Map<String, Object> ack = reply("ack", id);
        ack.put("accepted", ar.result().accepted());
        ack.put("duplicates", ar.result().duplicates());
        send(ack);
      } else {
        sendError(id, ApiError.from(ar.cause()));
      }
    });
  }

  private void query(JsonNode id, JsonNode frame) {
    require(Role.READ);
    Params params = name -> {
      JsonNode v = frame.get(name);
      if (v == null || v.isNull()) {
        return null;
      }
      return v.isValueNode() ? v.asText() : v.toString();
    };
    String name = frame.path("query").isTextual() ? frame.get("query").asText() : null;
    api.query(name, params).onComplete(ar -> {
      if (ar.succeeded()) {
        Map<String, Object> result = reply("result", id);
        result.put("data", ar.result());
        send(result);
      } else {
        sendError(id, ApiError.from(ar.cause()));
      }
    });
  }

  private static Map<String, Object> reply(String type, JsonNode id) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("type", type);
    if (id != null) {
      f.put("id", id);
    }
    return f;
  }

  private void sendError(JsonNode id, ApiError e) {
    Map<String, Object> f = reply("error", id);
    f.put("error", e.body());
    send(f);
  }

  private void send(Map<String, Object> frame) {
    write(Json.toApiJson(frame));
  }

  private void write(String text) {
    ws.writeTextMessage(text).onFailure(this::logWriteFailure);
  }

  private void logWriteFailure(Throwable e) {
    LOG.debug("WebSocket write failed: {}", e.toString());
  }
}
