package io.healthwatch.server.http;

import io.healthwatch.core.ErrorCode;
import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.server.api.ApiError;
import io.healthwatch.server.api.AuditTrail;
import io.healthwatch.server.api.HealthApi;
import io.healthwatch.server.api.Params;
import io.healthwatch.server.api.Readiness;
import io.healthwatch.server.auth.Grant;
import io.healthwatch.server.auth.Role;
import io.healthwatch.server.auth.Tokens;
import io.healthwatch.server.config.ServerConfig;
import io.healthwatch.server.metrics.ServerMetrics;
import io.healthwatch.server.ws.LiveHub;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.VerticleBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP and WebSocket front of the server. One instance runs per event loop; all share one
 * {@link HealthApi} (and so one store) and the same port.
 */
public class ApiVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ApiVerticle.class);
  private static final String JSON = "application/json";
  private static final String NDJSON = "application/x-ndjson";
  private static final String MEDIA_TYPE_KEY = "healthwatch.mediaType";
  private static final String BODY_LIMIT_KEY = "healthwatch.bodyLimit";
  private static final String ACTOR_KEY = "healthwatch.actor";

  private final HealthApi api;
  private final ServerConfig config;
  private final ServerMetrics metrics;
  private final PrometheusMeterRegistry registry;
  private final int port;
  private final Tokens tokens;
  private final AuditTrail audit;
  private HttpServer server;
  private LiveHub hub;

  public ApiVerticle(HealthApi api, ServerConfig config, ServerMetrics metrics, PrometheusMeterRegistry registry, int port) {
    this.api = api;
    this.config = config;
    this.metrics = metrics;
    this.registry = registry;
    this.port = port;
    this.tokens = config.tokens();
    this.audit = api.audit();
  }

  @Override
  public Future<?> start() {
    hub = new LiveHub(vertx, api, config, metrics);
    // 100-continue is answered by body() once auth, media type and length are checked, so a
    // refused client does not upload its body.
    HttpServerOptions options = new HttpServerOptions()
        // Browsers send a message as one frame: a frame may be as large as a whole message.
        .setMaxWebSocketFrameSize(config.maxBodyBytes())
        .setMaxWebSocketMessageSize(config.maxBodyBytes());
    server = vertx.createHttpServer(options).requestHandler(router());
    return Future.join(hub.start(), server.listen(port, config.host()));
  }

  /** Stops accepting, lets in-flight requests finish, closes live connections. */
  @Override
  public Future<?> stop() {
    Future<Void> live = hub == null ? Future.succeededFuture() : hub.stop();
    Future<Void> http = server == null ? Future.succeededFuture()
        : server.shutdown(Math.max(1, config.shutdownTimeoutMs() - 2_000), TimeUnit.MILLISECONDS);
    return Future.join(live, http);
  }

  /** The port this instance listens on (the chosen one when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private Router router() {
    Router r = Router.router(vertx);
    r.get("/health/live").handler(this::live);
    r.get("/health/ready").handler(this::ready);
    r.get("/metrics").handler(auth(Role.READ)).handler(PrometheusScrapingHandler.create(registry));

    r.post("/api/v1/samples").handler(auth(Role.INGEST)).handler(body(config.maxBodyBytes(), true)).handler(this::ingest);
    r.get("/api/v1/live").handler(this::liveSocket);
    r.get("/api/v1/channels").handler(auth(Role.READ)).handler(ctx -> ok(ctx, api.channels()));
    r.get("/api/v1/channels/:id").handler(auth(Role.READ)).handler(ctx -> ok(ctx, api.channel(ctx.pathParam("id"))));
    r.delete("/api/v1/channels/:id").handler(auth(Role.ADMIN)).handler(ctx -> noContent(ctx,
        audit.changed(api.deleteChannel(ctx.pathParam("id")), actor(ctx), AuditRecord.CHANNEL_DELETE, ctx.pathParam("id"))));
    r.get("/api/v1/channels/:id/samples/export").handler(auth(Role.READ)).handler(this::export);
    r.get("/api/v1/channels/:id/samples").handler(auth(Role.READ))
        .handler(ctx -> ok(ctx, api.samples(ctx.pathParam("id"), params(ctx))));
    r.get("/api/v1/channels/:id/stats").handler(auth(Role.READ))
        .handler(ctx -> ok(ctx, api.stats(ctx.pathParam("id"), params(ctx))));
    r.get("/api/v1/outages").handler(auth(Role.READ)).handler(ctx -> ok(ctx, api.outages(params(ctx))));
    r.get("/api/v1/outages/:id").handler(auth(Role.READ)).handler(ctx -> ok(ctx, api.outage(ctx.pathParam("id"))));

    r.post("/api/v1/watches").handler(auth(Role.ADMIN)).handler(body(ServerConfig.MAX_CONTROL_BODY_BYTES, false))
        .handler(ctx -> reply(ctx, 201, audit.changed(api.startWatch(HealthApi.parseJson(bytes(ctx))), actor(ctx),
            AuditRecord.WATCH_START, WatchSession::id, ApiVerticle::describeWatch)));
    r.get("/api/v1/watches/current").handler(auth(Role.READ)).handler(ctx -> ok(ctx, api.currentWatch()));
    r.post("/api/v1/watches/current/stop").handler(auth(Role.ADMIN)).handler(ctx -> ok(ctx,
        audit.changed(api.stopWatch(), actor(ctx), AuditRecord.WATCH_STOP, WatchSession::id, ApiVerticle::describeWatch)));
    r.get("/api/v1/watches").handler(auth(Role.READ)).handler(ctx -> ok(ctx, api.watches(params(ctx))));

    r.put("/api/v1/custom/:key").handler(auth(Role.ADMIN)).handler(body(config.maxCustomValueBytes(), false))
        .handler(ctx -> noContent(ctx, audit.changed(api.putCustom(ctx.pathParam("key"), bytes(ctx)), actor(ctx),
            AuditRecord.CUSTOM_PUT, v -> ctx.pathParam("key"), v -> bytes(ctx).length + " bytes")));
    r.get("/api/v1/custom/:key").handler(auth(Role.READ)).handler(this::getCustom);
    r.delete("/api/v1/custom/:key").handler(auth(Role.ADMIN)).handler(ctx -> noContent(ctx,
        audit.changed(api.deleteCustom(ctx.pathParam("key")), actor(ctx), AuditRecord.CUSTOM_DELETE, ctx.pathParam("key"))));
    r.get("/api/v1/audit").handler(auth(Role.ADMIN)).handler(ctx -> ok(ctx, api.auditLog(params(ctx))));

    r.route("/*").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(StaticHandler.create("webroot").setMaxAgeSeconds(300));
    r.route().failureHandler(this::failure);
    r.errorHandler(404, ctx -> error(ctx, new ApiError(ErrorCode.NOT_FOUND,
        "no such path: " + ctx.request().method() + " " + ctx.request().path())));
    r.errorHandler(405, ctx -> error(ctx, new ApiError(ErrorCode.METHOD_NOT_ALLOWED,
        ctx.request().method() + " is not allowed on " + ctx.request().path())));
    return r;
  }

  // ---- handlers ----

  private void live(RoutingContext ctx) {
    json(ctx, 200, Map.of("status", "UP"));
  }

  private void ready(RoutingContext ctx) {
    api.ready().onComplete(ar -> {
      Map<String, Object> body = new LinkedHashMap<>();
      if (ar.failed()) {
        LOG.warn("storage health check failed: {}", ar.cause().toString());
        body.put("status", "DOWN");
        body.put("reason", "the storage health check failed");
        json(ctx, 503, body);
        return;
      }
      Readiness.Verdict v = ar.result();
      body.put("status", v.status().name());
      if (!v.ready()) {
        body.put("reason", String.join("; ", v.downReasons()));
      }
      body.put("problems", v.problems());
      body.put("cache", v.health().cache());
      body.put("details", v.health().details());
      body.put("storage", v.storage());
      json(ctx, v.ready() ? 200 : 503, body);
    });
  }

  private void ingest(RoutingContext ctx) {
    byte[] body = bytes(ctx);
    try {
      boolean ndjson = NDJSON.equals(ctx.get(MEDIA_TYPE_KEY));
      var items = ndjson ? HealthApi.parseNdjson(body) : HealthApi.samplesOf(HealthApi.parseJson(body));
      api.ingest(items).onComplete(ar -> {
        if (ar.succeeded()) {
          IngestResult r = ar.result();
          Map<String, Object> answer = new LinkedHashMap<>();
          answer.put("accepted", r.accepted());
          answer.put("duplicates", r.duplicates());
          json(ctx, 200, answer);
        } else {
          ctx.fail(ar.cause());
        }
      });
    } catch (ApiError e) {
      metrics.rejected(e.code().code());
      throw e;
    }
  }

  private void export(RoutingContext ctx) {
    String channelId = ctx.pathParam("id");
    api.exportQuery(channelId, params(ctx)).onComplete(ar -> {
      if (ar.succeeded()) {
        SampleExport.start(ctx, api.store(), channelId, ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  private static String describeWatch(WatchSession w) {
    return "startedAt=" + w.startedAt() + " endsAt=" + w.endsAt()
        + (w.endedAt() == null ? "" : " endedAt=" + w.endedAt())
        + " channels=" + (w.channels().isEmpty() ? "*" : String.join(",", w.channels()));
  }

  private void getCustom(RoutingContext ctx) {
    api.custom(ctx.pathParam("key")).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  private void liveSocket(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (!request.canUpgradeToWebSocket()) {
      throw ApiError.invalidRequest("/api/v1/live expects a WebSocket upgrade");
    }
    Grant grant = null;
    if (tokens.isEmpty()) {
      grant = Grant.OPEN;
    } else if (request.getHeader(HttpHeaders.AUTHORIZATION) != null) {
      grant = authenticate(request).orElse(null);
      if (grant == null) {
        refuse(ctx, Tokens.identity(Tokens.bearer(request.getHeader(HttpHeaders.AUTHORIZATION))),
            new ApiError(ErrorCode.UNAUTHORIZED, "unknown token"));
        return;
      }
    }
    Grant atUpgrade = grant;
    request.toWebSocket()
        .onSuccess(ws -> hub.accept(ws, atUpgrade, tokens))
        .onFailure(e -> LOG.debug("WebSocket upgrade failed: {}", e.toString()));
  }

  // ---- building blocks ----

  private Handler<RoutingContext> auth(Role role) {
    return ctx -> {
      if (tokens.isEmpty()) {
        ctx.put(ACTOR_KEY, Grant.OPEN.actor());
        ctx.next();
        return;
      }
      String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
      Optional<Grant> grant = authenticate(ctx.request());
      if (grant.isEmpty()) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer");
        refuse(ctx, Tokens.identity(Tokens.bearer(header)), new ApiError(ErrorCode.UNAUTHORIZED,
            header == null ? "send Authorization: Bearer <token>" : "unknown token"));
      } else if (!grant.get().allows(role)) {
        refuse(ctx, grant.get().actor(),
            new ApiError(ErrorCode.FORBIDDEN, "this token lacks the '" + role.wireName() + "' role"));
      } else {
        ctx.put(ACTOR_KEY, grant.get().actor());
        ctx.next();
      }
    };
  }

  /** Answers a refused authentication once it is in the audit trail. */
  private void refuse(RoutingContext ctx, String actor, ApiError error) {
    String target = ctx.request().method() + " " + ctx.request().path();
    audit.refused(actor, target, error.code().code() + ": " + error.getMessage())
        .onComplete(v -> ctx.fail(error));
  }

  private static String actor(RoutingContext ctx) {
    String actor = ctx.get(ACTOR_KEY);
    return actor == null ? Tokens.NO_TOKEN : actor;
  }

  private Optional<Grant> authenticate(HttpServerRequest request) {
    return tokens.authenticate(Tokens.bearer(request.getHeader(HttpHeaders.AUTHORIZATION)));
  }

  /**
   * Reads a JSON (or, for samples, NDJSON) body of at most {@code limit} bytes: 415 for another
   * media type, 413 as soon as the declared or the actual length is over the limit.
   */
  private Handler<RoutingContext> body(int limit, boolean ndjsonAllowed) {
    BodyHandler reader = BodyHandler.create(false).setBodyLimit(limit);
    return ctx -> {
      String type = mediaType(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
      if (!JSON.equals(type) && !(ndjsonAllowed && NDJSON.equals(type))) {
        metricsRejectIfIngest(ndjsonAllowed, ErrorCode.UNSUPPORTED_MEDIA_TYPE);
        ctx.fail(new ApiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json"
            + (ndjsonAllowed ? " or application/x-ndjson" : "") + (type == null ? "" : ", not " + type)));
        return;
      }
      String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null && isOver(length, limit)) {
        metricsRejectIfIngest(ndjsonAllowed, ErrorCode.TOO_LARGE);
        ctx.fail(tooLarge(limit));
        return;
      }
      ctx.put(MEDIA_TYPE_KEY, type);
      ctx.put(BODY_LIMIT_KEY, limit);
      if ("100-continue".equalsIgnoreCase(ctx.request().getHeader(HttpHeaders.EXPECT))) {
        ctx.response().writeContinue();
      }
      reader.handle(ctx);
    };
  }

  private void metricsRejectIfIngest(boolean ingest, ErrorCode code) {
    if (ingest) {
      metrics.rejected(code.code());
    }
  }

  private static boolean isOver(String length, int limit) {
    try {
      return Long.parseLong(length.strip()) > limit;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static ApiError tooLarge(int limit) {
    return new ApiError(ErrorCode.TOO_LARGE, "the body is over the limit of " + limit + " bytes");
  }

  private static String mediaType(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
  }

  private static byte[] bytes(RoutingContext ctx) {
    return ctx.body() == null || ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
  }

  private static Params params(RoutingContext ctx) {
    return name -> ctx.request().getParam(name);
  }

  private void ok(RoutingContext ctx, Future<?> result) {
    reply(ctx, 200, result);
  }

  private void reply(RoutingContext ctx, int status, Future<?> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        json(ctx, status, ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  private void noContent(RoutingContext ctx, Future<?> result) {
    result.onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().setStatusCode(204).end();
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  private static void json(RoutingContext ctx, int status, Object body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(Json.toApiJsonBuffer(body));
  }

  private void failure(RoutingContext ctx) {
    if (ctx.response().ended() || ctx.response().headWritten()) {
      return;
    }
    Throwable failure = ctx.failure();
    if (failure == null && ctx.statusCode() == 413) {
      Integer limit = ctx.get(BODY_LIMIT_KEY);
      metricsRejectIfIngest("/api/v1/samples".equals(ctx.request().path()), ErrorCode.TOO_LARGE);
      error(ctx, tooLarge(limit == null ? config.maxBodyBytes() : limit));
    } else if (failure == null && ctx.statusCode() == 400) {
      error(ctx, ApiError.invalidRequest("bad request"));
    } else if (failure == null) {
      LOG.error("request failed with status {} and no cause: {} {}", ctx.statusCode(), ctx.request().method(), ctx.request().path());
      error(ctx, new ApiError(ErrorCode.INTERNAL, "internal server error"));
    } else {
      error(ctx, ApiError.from(failure));
    }
  }

  private void error(RoutingContext ctx, ApiError e) {
    if (e.code() == ErrorCode.UNAVAILABLE) {
      ctx.response().putHeader("Retry-After", String.valueOf(ServerConfig.RETRY_AFTER_SECONDS));
    }
    json(ctx, e.code().httpStatus(), Map.of("error", e.body()));
  }
}
