package io.healthwatch.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.healthwatch.core.ErrorCode;
import io.healthwatch.core.Limits;
import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.model.WindowStats;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StorageGauges;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.core.validation.SampleValidator;
import io.healthwatch.core.validation.ValidationResult;
import io.healthwatch.server.config.ServerConfig;
import io.healthwatch.server.metrics.ServerMetrics;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the API does, independent of the transport: HTTP routes and WebSocket frames both call
 * these methods, so validation, limits, durability and error codes are the same for both. Every
 * failure is an {@link ApiError} (or a storage failure that {@link ApiError#from} maps).
 */
public final class HealthApi {
  private static final ObjectReader STRICT_READER =
      Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final HealthStore store;
  private final ServerConfig config;
  private final ServerMetrics metrics;
  private final SampleValidator validator;
  private final AuditTrail audit;

  public HealthApi(HealthStore store, ServerConfig config, ServerMetrics metrics) {
    this.store = store;
    this.config = config;
    this.metrics = metrics;
    this.validator = new SampleValidator(config.clock()::millis);
    this.audit = new AuditTrail(store, config.clock());
  }

  public HealthStore store() {
    return store;
  }

  // ---- audit trail and export (audit-export) ----

  /** Where changes and refused authentications are recorded. */
  public AuditTrail audit() {
    return audit;
  }

  /** {@code GET /api/v1/audit?from=&to=&limit=}: records newest first. */
  public Future<Map<String, Object>> auditLog(Params p) {
    long from = longParam(p, "from", 0);
    long to = longParam(p, "to", Long.MAX_VALUE);
    checkWindow(from, to);
    return store.auditLog(from, to, limit(p)).map(list -> Map.of("records", list));
  }

  /** Samples per page of an export: what one store query returns at most. */
  public static final int EXPORT_PAGE = SampleQuery.MAX_LIMIT;

  /**
   * The first page of an export of {@code from <= timestamp < to} (defaults: everything), oldest
   * first; fails with {@code invalid_request} for bad parameters and {@code not_found} for an
   * unknown channel. Further pages follow with {@link SampleQuery#next}.
   */
  public Future<SampleQuery> exportQuery(String channelId, Params p) {
    long from = longParam(p, "from", 0);
    long to = longParam(p, "to", Long.MAX_VALUE);
    checkWindow(from, to);
    SampleQuery first = new SampleQuery(from, to, EXPORT_PAGE, SortOrder.ASC);
    return channel(channelId).map(c -> first);
  }

  // ---- end of audit trail and export ----

  // ---- ingestion ----

  /** Parses one JSON value; a body that is not exactly one JSON value is {@code invalid_json}. */
  public static JsonNode parseJson(byte[] body) {
    try {
      JsonNode node = STRICT_READER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new ApiError(ErrorCode.INVALID_JSON, "the body is empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new ApiError(ErrorCode.INVALID_JSON, "the body is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ApiError(ErrorCode.INVALID_JSON, "the body cannot be read");
    }
  }

  /** The samples of a JSON body: the elements of an array, or the body itself. */
  public static List<JsonNode> samplesOf(JsonNode body) {
    if (body.isArray()) {
      List<JsonNode> items = new ArrayList<>(body.size());
      body.forEach(items::add);
      return items;
    }
    return List.of(body);
  }

  /** The samples of an NDJSON body: each non-empty line one sample. */
  public static List<JsonNode> parseNdjson(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    List<JsonNode> items = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      try {
        items.add(STRICT_READER.readTree(line));
      } catch (JsonProcessingException e) {
        throw new ApiError(ErrorCode.INVALID_JSON, "line " + (i + 1) + " is not JSON: " + e.getOriginalMessage());
      }
    }
    return items;
  }

  /**
   * Validates a whole batch and stores it; succeeds only once the store says it is durable. A
   * refused batch stores nothing.
   */
  public Future<IngestResult> ingest(List<JsonNode> items) {
    if (items.size() > config.maxBatchSamples()) {
      metrics.rejected(ErrorCode.TOO_LARGE.code());
      return Future.failedFuture(new ApiError(ErrorCode.TOO_LARGE,
          "a batch holds at most " + config.maxBatchSamples() + " samples, this one " + items.size()));
    }
    ValidationResult result = validator.validate(items);
    if (!result.valid()) {
      metrics.rejected(ErrorCode.INVALID_SAMPLE.code());
      return Future.failedFuture(ApiError.invalidSamples(result.violations()));
    }
    if (result.samples().isEmpty()) {
      return Future.succeededFuture(new IngestResult(0, 0, List.of()));
    }
    Timer.Sample timing = metrics.startWrite();
    return store.ingest(result.samples())
        .onSuccess(r -> {
          metrics.writeDone(timing);
          metrics.stored(r.accepted(), r.duplicates());
        })
        .onFailure(e -> metrics.rejected(ApiError.from(e).code().code()));
  }

  // ---- readiness ----

  /**
   * The {@code /health/ready} report: the store's own health, its figures and the write success
   * rate of the last 5 minutes, judged by {@link Readiness}. The figures are also kept for the
   * gauges of {@code /metrics}.
   */
  public Future<Readiness.Verdict> ready() {
    Future<StoreHealth> health = store.health();
    Future<StorageGauges> gauges = metrics.refreshGauges(store);
    Readiness rules = new Readiness(config.minFreeBytes(), config.dataSizeWarningBytes(),
        ServerConfig.MIN_WRITE_SUCCESS_RATE);
    return Future.all(health, gauges).map(v -> rules.judge(health.result(), gauges.result(),
        metrics.storageStats().window()));
  }

  // ---- reads ----

  public Future<Map<String, Object>> channels() {
    return store.channels().map(list -> Map.of("channels", list));
  }

  public Future<ChannelState> channel(String channelId) {
    checkId("channel id", channelId);
    return store.channel(channelId).map(c -> found(c, "no channel '" + channelId + "'"));
  }

  public Future<Map<String, Object>> samples(String channelId, Params p) {
    long from = longParam(p, "from", 0);
    long to = longParam(p, "to", Long.MAX_VALUE);
    checkWindow(from, to);
    int limit = limit(p);
    String orderText = p.get("order");
    SortOrder order = orderText == null ? SortOrder.DESC : SortOrder.fromWire(orderText)
        .orElseThrow(() -> ApiError.invalidRequest("order must be 'asc' or 'desc', got '" + orderText + "'"));
    SampleQuery query = new SampleQuery(from, to, limit, order);
    return channel(channelId)
        .compose(c -> store.samples(channelId, query))
        .map(list -> Map.of("samples", list));
  }

  /**
   * Statistics over a window; by default the last 24 hours. Only {@code from} given: up to now.
   * Only {@code to} given: the 24 hours before it.
   */
  public Future<WindowStats> stats(String channelId, Params p) {
    long to = longParam(p, "to", config.clock().millis());
    long from = longParam(p, "from", Math.max(0, to - Limits.DEFAULT_STATS_WINDOW_MS));
    checkWindow(from, to);
    return channel(channelId).compose(c -> store.stats(channelId, from, to));
  }

  public Future<Map<String, Object>> outages(Params p) {
    String channelId = p.get("channelId");
    if (channelId != null) {
      checkId("channelId", channelId);
    }
    long from = longParam(p, "from", 0);
    long to = longParam(p, "to", Long.MAX_VALUE);
    checkWindow(from, to);
    Boolean open = booleanParam(p, "open");
    OutageQuery query = new OutageQuery(channelId, from, to, open, limit(p));
    return store.outages(query).map(list -> Map.of("outages", list));
  }

  public Future<Outage> outage(String id) {
    return store.outage(id).map(o -> found(o, "no outage '" + id + "'"));
  }

  /** A WebSocket query frame, answered with the same data as the HTTP route. */
  public Future<?> query(String name, Params p) {
    if (name == null) {
      return Future.failedFuture(ApiError.invalidRequest("query is required: channels, channel, samples, stats or outages"));
    }
    try {
      return switch (name) {
        case "channels" -> channels();
        case "channel" -> channel(required(p, "channelId"));
        case "samples" -> samples(required(p, "channelId"), p);
        case "stats" -> stats(required(p, "channelId"), p);
        case "outages" -> outages(p);
        default -> Future.failedFuture(ApiError.invalidRequest(
            "unknown query '" + name + "'; one of channels, channel, samples, stats, outages"));
      };
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
  }

  // ---- writes other than samples ----

  public Future<Void> deleteChannel(String channelId) {
    checkId("channel id", channelId);
    return store.deleteChannel(channelId).map(removed -> removed(removed, "no channel '" + channelId + "'"));
  }

  public Future<WatchSession> startWatch(JsonNode body) {
    if (!body.isObject()) {
      throw ApiError.invalidRequest("the body must be an object {\"durationMs\":N,\"channels\":[...]}");
    }
    JsonNode d = body.get("durationMs");
    if (d == null || !d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() <= 0
        || d.asLong() > ServerConfig.MAX_WATCH_DURATION_MS) {
      String rule = "must be a positive integer of at most " + ServerConfig.MAX_WATCH_DURATION_MS + " (a year)";
      throw new ApiError(ErrorCode.INVALID_REQUEST, "durationMs " + rule, List.of(Map.of("field", "durationMs", "message", rule)));
    }
    List<String> channels = new ArrayList<>();
    JsonNode cs = body.get("channels");
    if (cs != null && !cs.isNull()) {
      if (!cs.isArray()) {
        throw ApiError.invalidRequest("channels must be an array of channel ids");
      }
      for (JsonNode c : cs) {
        if (!c.isTextual() || !Limits.isValidId(c.asText())) {
          throw new ApiError(ErrorCode.INVALID_REQUEST, "channels must be an array of channel ids",
              List.of(Map.of("field", "channels", "message", "'" + c.asText() + "' is not a valid channel id")));
        }
        channels.add(c.asText());
      }
    }
    return store.startWatch(d.asLong(), channels);
  }

  public Future<WatchSession> currentWatch() {
    return store.currentWatch().map(w -> found(w, "no watch is active"));
  }

  public Future<WatchSession> stopWatch() {
    return store.stopWatch().map(w -> found(w, "no watch is active"));
  }

  public Future<Map<String, Object>> watches(Params p) {
    return store.watches(limit(p)).map(list -> Map.of("watches", list));
  }

  public Future<Void> putCustom(String key, byte[] body) {
    checkId("key", key);
    if (body.length > config.maxCustomValueBytes()) {
      throw new ApiError(ErrorCode.TOO_LARGE, "a custom value is at most " + config.maxCustomValueBytes() + " bytes");
    }
    parseJson(body);
    return store.putCustom(key, new String(body, StandardCharsets.UTF_8));
  }

  public Future<String> custom(String key) {
    checkId("key", key);
    return store.custom(key).map(v -> found(v, "no custom value '" + key + "'"));
  }

  public Future<Void> deleteCustom(String key) {
    checkId("key", key);
    return store.deleteCustom(key).map(removed -> removed(removed, "no custom value '" + key + "'"));
  }

  // ---- parameters ----

  private static <T> T found(Optional<T> value, String message) {
    return value.orElseThrow(() -> ApiError.notFound(message));
  }

  private static Void removed(boolean removed, String message) {
    if (!removed) {
      throw ApiError.notFound(message);
    }
    return null;
  }

  private static void checkId(String what, String id) {
    if (!Limits.isValidId(id)) {
      throw ApiError.invalidRequest(what + " must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$");
    }
  }

  private static String required(Params p, String name) {
    String v = p.get(name);
    if (v == null) {
      throw ApiError.invalidRequest(name + " is required");
    }
    return v;
  }

  private static long longParam(Params p, String name, long fallback) {
    String v = p.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      throw ApiError.invalidRequest(name + " must be an integer (epoch milliseconds), got '" + v + "'");
    }
  }

  private static int limit(Params p) {
    long limit = longParam(p, "limit", Limits.DEFAULT_QUERY_LIMIT);
    if (limit < 1 || limit > Limits.MAX_QUERY_LIMIT) {
      throw ApiError.invalidRequest("limit must be between 1 and " + Limits.MAX_QUERY_LIMIT + ", got " + limit);
    }
    return (int) limit;
  }

  private static Boolean booleanParam(Params p, String name) {
    String v = p.get(name);
    if (v == null) {
      return null;
    }
    return switch (v) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default -> throw ApiError.invalidRequest(name + " must be true or false, got '" + v + "'");
    };
  }

  private static void checkWindow(long from, long to) {
    if (from > to) {
      throw ApiError.invalidRequest("from must not be after to");
    }
  }
}
