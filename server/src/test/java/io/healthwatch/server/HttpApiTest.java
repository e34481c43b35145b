package io.healthwatch.server;

import static io.healthwatch.server.TestServer.ADMIN;
import static io.healthwatch.server.TestServer.INGEST;
import static io.healthwatch.server.TestServer.PROBE;
import static io.healthwatch.server.TestServer.READ;
import static io.healthwatch.server.TestServer.batch;
import static io.healthwatch.server.TestServer.errorOf;
import static io.healthwatch.server.TestServer.now;
import static io.healthwatch.server.TestServer.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class HttpApiTest {
  private TestServer hw;

  @BeforeEach
  void start(Vertx vertx) {
    hw = TestServer.start(vertx);
  }

  @AfterEach
  void stop() {
    hw.close();
  }

  // ---- ingestion ----

  @Test
  @DisplayName("one sample is accepted and the channel goes online")
  void oneSample() {
    long t = now() - 1_000;
    HttpResponse<Buffer> r = hw.ingest(sample("api", t, true));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject()).isEqualTo(new JsonObject().put("accepted", 1).put("duplicates", 0));

    JsonObject channel = hw.get("/api/v1/channels/api", READ).bodyAsJsonObject();
    assertThat(channel.getString("state")).isEqualTo("online");
    assertThat(channel.getLong("lastSampleAt")).isEqualTo(t);
    assertThat(channel.getLong("lastLatencyMs")).isEqualTo(40);
    assertThat(channel.fieldNames()).doesNotContain("failureStreakStartedAt", "failureStreakReason");
  }

  @Test
  @DisplayName("a retried batch is stored once and counted as duplicates")
  void duplicates() {
    JsonArray b = batch("api", now() - 10_000, 5);
    assertThat(hw.ingest(b).bodyAsJsonObject().getInteger("accepted")).isEqualTo(5);
    JsonObject again = hw.ingest(b).bodyAsJsonObject();
    assertThat(again.getInteger("accepted")).isZero();
    assertThat(again.getInteger("duplicates")).isEqualTo(5);
    assertThat(hw.get("/api/v1/channels/api/samples", READ).bodyAsJsonObject().getJsonArray("samples")).hasSize(5);
    assertThat(hw.get("/api/v1/channels/api", READ).bodyAsJsonObject().getLong("sampleCount")).isEqualTo(5);
  }

  @Test
  @DisplayName("NDJSON bodies are accepted, blank lines skipped, with a charset parameter")
  void ndjson() {
    long t = now() - 5_000;
    String body = sample("a", t, true).encode() + "\n\n" + sample("b", t, false).encode() + "\r\n";
    HttpResponse<Buffer> r = hw.send(HttpMethod.POST, "/api/v1/samples", INGEST, "application/x-ndjson; charset=utf-8", body);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getInteger("accepted")).isEqualTo(2);
  }

  @Test
  @DisplayName("an NDJSON line that is not JSON rejects the whole body with invalid_json")
  void ndjsonBadLine() {
    String body = sample("a", now() - 5_000, true).encode() + "\n{not json\n";
    HttpResponse<Buffer> r = hw.send(HttpMethod.POST, "/api/v1/samples", INGEST, "application/x-ndjson", body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorOf(r).getString("code")).isEqualTo("invalid_json");
    assertThat(hw.get("/api/v1/channels/a", READ).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("legacy samples are normalised before they are stored")
  void legacy() {
    long t = now() - 3_000;
    JsonArray b = new JsonArray()
        .add(new JsonObject().put("channelId", "old").put("t", t).put("ok", false).put("error", "timeout"))
        .add(new JsonObject().put("channelId", "old").put("t", t + 1).put("ok", false).put("error", "connection refused"))
        .add(new JsonObject().put("channelId", "old").put("t", t + 2).put("ok", true).put("details", new JsonObject().put("note", "slow")));
    assertThat(hw.ingest(b).statusCode()).isEqualTo(200);
    JsonArray samples = hw.get("/api/v1/channels/old/samples?order=asc", READ).bodyAsJsonObject().getJsonArray("samples");
    assertThat(samples.getJsonObject(0).getString("reason")).isEqualTo("timeout");
    assertThat(samples.getJsonObject(0).getLong("timestamp")).isEqualTo(t);
    assertThat(samples.getJsonObject(1).getString("note")).isEqualTo("connection refused");
    assertThat(samples.getJsonObject(1).getString("reason")).isNull();
    assertThat(samples.getJsonObject(2).getBoolean("success")).isTrue();
    assertThat(samples.getJsonObject(2).getString("note")).isEqualTo("slow");
    assertThat(samples.getJsonObject(2).getString("probeId")).isEqualTo("default");
  }

  @Test
  @DisplayName("one invalid sample rejects the batch with every broken rule and stores nothing")
  void invalidSample() {
    JsonArray b = new JsonArray()
        .add(sample("good", now() - 1_000, true))
        .add(new JsonObject().put("channelId", "-bad").put("timestamp", "yesterday").put("success", true))
        .add(new JsonObject().put("channelId", "x").put("timestamp", now()).put("success", true).put("latencyMs", -1));
    HttpResponse<Buffer> r = hw.ingest(b);
    assertThat(r.statusCode()).isEqualTo(400);
    JsonObject error = errorOf(r);
    assertThat(error.getString("code")).isEqualTo("invalid_sample");
    JsonArray details = error.getJsonArray("details");
    assertThat(details).hasSize(3);
    assertThat(details.getJsonObject(0).getInteger("index")).isEqualTo(1);
    assertThat(details.getJsonObject(0).getString("field")).isEqualTo("channelId");
    assertThat(details.getJsonObject(1).getString("field")).isEqualTo("timestamp");
    assertThat(details.getJsonObject(2).getInteger("index")).isEqualTo(2);
    assertThat(details.getJsonObject(2).getString("field")).isEqualTo("latencyMs");
    assertThat(hw.get("/api/v1/channels", READ).bodyAsJsonObject().getJsonArray("channels")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"channelId\":", "", "not json", "{} {}"})
  @DisplayName("a body that is not one JSON value is invalid_json")
  void invalidJson(String body) {
    HttpResponse<Buffer> r = hw.send(HttpMethod.POST, "/api/v1/samples", INGEST, "application/json", body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorOf(r).getString("code")).isEqualTo("invalid_json");
  }

  @ParameterizedTest
  @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "application/xml"})
  @DisplayName("a body that is neither JSON nor NDJSON is refused with 415")
  void unsupportedMediaType(String type) {
    HttpResponse<Buffer> r = hw.send(HttpMethod.POST, "/api/v1/samples", INGEST, type, sample("a", now(), true).encode());
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(errorOf(r).getString("code")).isEqualTo("unsupported_media_type");
  }

  @Test
  @DisplayName("a body without Content-Type is refused with 415")
  void missingMediaType() {
    HttpResponse<Buffer> r = hw.send(HttpMethod.POST, "/api/v1/samples", INGEST, null, sample("a", now(), true).encode());
    assertThat(r.statusCode()).isEqualTo(415);
  }

  @Test
  @DisplayName("a body over 4 MiB is refused with too_large, and the connection keeps working")
  void bodyTooLarge() {
    String big = "[" + " ".repeat(4 * 1024 * 1024) + "]";
    HttpResponse<Buffer> r = hw.send(HttpMethod.POST, "/api/v1/samples", INGEST, "application/json", big);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(errorOf(r).getString("code")).isEqualTo("too_large");
    assertThat(hw.ingest(sample("after", now(), true)).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a chunked body over the limit (no Content-Length) is refused with too_large")
  void chunkedTooLarge() {
    io.vertx.core.streams.ReadStream<Buffer> chunks = new io.vertx.core.streams.ReadStream<>() {
      private io.vertx.core.Handler<Buffer> handler;
      private io.vertx.core.Handler<Void> end;
      private int sent;
      private boolean paused;

      @Override
      public io.vertx.core.streams.ReadStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> h) {
        return this;
      }

      @Override
      public io.vertx.core.streams.ReadStream<Buffer> handler(io.vertx.core.Handler<Buffer> h) {
        handler = h;
        return this;
      }

      @Override
      public io.vertx.core.streams.ReadStream<Buffer> pause() {
        paused = true;
        return this;
      }

      @Override
      public io.vertx.core.streams.ReadStream<Buffer> resume() {
        paused = false;
        while (!paused && sent < 80 && handler != null) {
          sent++;
          handler.handle(Buffer.buffer(sent == 1 ? "[" + " ".repeat(65_535) : " ".repeat(65_536)));
        }
        if (sent == 80 && end != null) {
          handler.handle(Buffer.buffer("]"));
          end.handle(null);
          end = null;
        }
        return this;
      }

      @Override
      public io.vertx.core.streams.ReadStream<Buffer> fetch(long amount) {
        return resume();
      }

      @Override
      public io.vertx.core.streams.ReadStream<Buffer> endHandler(io.vertx.core.Handler<Void> h) {
        end = h;
        return this;
      }
    };
    HttpResponse<Buffer> r = TestServer.await(hw.request(HttpMethod.POST, "/api/v1/samples", INGEST)
        .putHeader("Content-Type", "application/json").sendStream(chunks));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(errorOf(r).getString("code")).isEqualTo("too_large");
  }

  @Test
  @DisplayName("a batch of more than 10,000 samples is refused with too_large")
  void batchTooLarge() {
    HttpResponse<Buffer> r = hw.ingest(batch("big", now() - 60_000, 10_001));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(errorOf(r).getString("code")).isEqualTo("too_large");
    assertThat(hw.ingest(batch("big", now() - 60_000, 10_000)).bodyAsJsonObject().getInteger("accepted")).isEqualTo(10_000);
  }

  // ---- auth ----

  @Test
  @DisplayName("requests without a token or with an unknown one are unauthorized")
  void unauthorized() {
    HttpResponse<Buffer> none = hw.get("/api/v1/channels", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(errorOf(none).getString("code")).isEqualTo("unauthorized");
    assertThat(hw.get("/api/v1/channels", "nope").statusCode()).isEqualTo(401);
    assertThat(TestServer.await(hw.request(HttpMethod.GET, "/api/v1/channels", null)
        .putHeader("Authorization", "Basic " + READ).send()).statusCode()).isEqualTo(401);
    HttpResponse<Buffer> post = hw.postJson("/api/v1/samples", null, sample("a", now(), true));
    assertThat(post.statusCode()).isEqualTo(401);
    assertThat(hw.get("/metrics", null).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("each role reaches what it is for and is forbidden elsewhere; admin reaches everything")
  void roles() {
    assertThat(hw.postJson("/api/v1/samples", READ, sample("a", now(), true)).statusCode()).isEqualTo(403);
    assertThat(errorOf(hw.get("/api/v1/channels", INGEST)).getString("code")).isEqualTo("forbidden");
    assertThat(hw.postJson("/api/v1/samples", PROBE, sample("a", now(), true)).statusCode()).isEqualTo(200);
    assertThat(hw.get("/api/v1/channels", PROBE).statusCode()).isEqualTo(200);
    assertThat(hw.delete("/api/v1/channels/a", READ).statusCode()).isEqualTo(403);
    assertThat(hw.postJson("/api/v1/watches", READ, new JsonObject().put("durationMs", 1000)).statusCode()).isEqualTo(403);
    assertThat(hw.send(HttpMethod.PUT, "/api/v1/custom/k", PROBE, "application/json", "1").statusCode()).isEqualTo(403);
    assertThat(hw.postJson("/api/v1/samples", ADMIN, sample("b", now(), true)).statusCode()).isEqualTo(200);
    assertThat(hw.get("/api/v1/channels", ADMIN).statusCode()).isEqualTo(200);
    assertThat(hw.get("/metrics", READ).statusCode()).isEqualTo(200);
    assertThat(hw.get("/metrics", INGEST).statusCode()).isEqualTo(403);
    assertThat(hw.delete("/api/v1/channels/a", ADMIN).statusCode()).isEqualTo(204);
  }

  @Test
  @DisplayName("health endpoints and the dashboard page need no token")
  void noTokenNeeded() {
    HttpResponse<Buffer> live = hw.get("/health/live", null);
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    HttpResponse<Buffer> ready = hw.get("/health/ready", null);
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("UP");
    HttpResponse<Buffer> page = hw.get("/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).startsWith("text/html");
    assertThat(page.bodyAsString()).doesNotContain("http://", "https://");
  }

  // ---- reads ----

  @Test
  @DisplayName("channels are listed sorted by id; an unknown one is not_found and a bad id invalid_request")
  void channels() {
    long t = now() - 10_000;
    hw.ingest(new JsonArray().add(sample("zeta", t, true)).add(sample("alpha", t, false)).add(sample("mid:x.y", t, true)));
    JsonArray list = hw.get("/api/v1/channels", READ).bodyAsJsonObject().getJsonArray("channels");
    assertThat(list.stream().map(o -> ((JsonObject) o).getString("channelId"))).containsExactly("alpha", "mid:x.y", "zeta");
    assertThat(hw.get("/api/v1/channels/mid:x.y", READ).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> unknown = hw.get("/api/v1/channels/nope", READ);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(errorOf(unknown).getString("code")).isEqualTo("not_found");
    assertThat(hw.get("/api/v1/channels/nope/samples", READ).statusCode()).isEqualTo(404);
    assertThat(hw.get("/api/v1/channels/nope/stats", READ).statusCode()).isEqualTo(404);
    HttpResponse<Buffer> bad = hw.get("/api/v1/channels/-bad", READ);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(errorOf(bad).getString("code")).isEqualTo("invalid_request");
  }

  @Test
  @DisplayName("sample windows honour from, to, limit and order")
  void sampleWindow() {
    long t = now() - 100_000;
    hw.ingest(batch("api", t, 10));
    JsonArray desc = hw.get("/api/v1/channels/api/samples", READ).bodyAsJsonObject().getJsonArray("samples");
    assertThat(desc).hasSize(10);
    assertThat(desc.getJsonObject(0).getLong("timestamp")).isEqualTo(t + 9);
    String path = "/api/v1/channels/api/samples?from=" + (t + 2) + "&to=" + (t + 6) + "&order=asc&limit=3";
    JsonArray window = hw.get(path, READ).bodyAsJsonObject().getJsonArray("samples");
    assertThat(window.stream().map(o -> ((JsonObject) o).getLong("timestamp"))).containsExactly(t + 2, t + 3, t + 4);
  }

  @ParameterizedTest
  @ValueSource(strings = {"from=abc", "to=1.5", "limit=0", "limit=10001", "limit=x", "from=10&to=5", "order=sideways"})
  @DisplayName("bad query parameters are invalid_request")
  void badParams(String query) {
    hw.ingest(sample("api", now() - 1_000, true));
    for (String path : new String[] {"/api/v1/channels/api/samples?", "/api/v1/outages?", "/api/v1/channels/api/stats?"}) {
      if (path.contains("stats") && (query.startsWith("limit") || query.startsWith("order"))) {
        continue;
      }
      if (path.contains("outages") && query.startsWith("order")) {
        continue;
      }
      HttpResponse<Buffer> r = hw.get(path + query, READ);
      assertThat(r.statusCode()).as(path + query).isEqualTo(400);
      assertThat(errorOf(r).getString("code")).isEqualTo("invalid_request");
    }
  }

  @Test
  @DisplayName("stats cover the last 24 hours by default and the given window otherwise")
  void stats() {
    long now = now();
    JsonArray b = new JsonArray()
        .add(sample("api", now - 2 * 86_400_000L, false))
        .add(sample("api", now - 3_000, true))
        .add(sample("api", now - 2_000, false))
        .add(sample("api", now - 1_000, true));
    hw.ingest(b);
    JsonObject day = hw.get("/api/v1/channels/api/stats", READ).bodyAsJsonObject();
    assertThat(day.getString("channelId")).isEqualTo("api");
    assertThat(day.getLong("samples")).isEqualTo(3);
    assertThat(day.getLong("successes")).isEqualTo(2);
    assertThat(day.getLong("failures")).isEqualTo(1);
    assertThat(day.getDouble("availability")).isEqualTo(0.6667);
    assertThat(day.getLong("latencyP50")).isEqualTo(40);
    assertThat(day.getLong("to") - day.getLong("from")).isEqualTo(86_400_000L);
    JsonObject all = hw.get("/api/v1/channels/api/stats?from=0", READ).bodyAsJsonObject();
    assertThat(all.getLong("samples")).isEqualTo(4);
    JsonObject empty = hw.get("/api/v1/channels/api/stats?from=0&to=1000", READ).bodyAsJsonObject();
    assertThat(empty.getLong("samples")).isZero();
    assertThat(empty.containsKey("availability")).isTrue();
    assertThat(empty.getValue("availability")).isNull();
    assertThat(empty.getValue("latencyP99")).isNull();
  }

  @Test
  @DisplayName("an outage opens at the third failure and closes at the next success")
  void outageLifecycle() {
    long t = now() - 60_000;
    hw.ingest(new JsonArray().add(sample("db", t, true)).add(sample("db", t + 1_000, false)).add(sample("db", t + 2_000, false)));
    assertThat(hw.get("/api/v1/outages", READ).bodyAsJsonObject().getJsonArray("outages")).isEmpty();
    hw.ingest(sample("db", t + 3_000, false));
    JsonObject channel = hw.get("/api/v1/channels/db", READ).bodyAsJsonObject();
    assertThat(channel.getString("state")).isEqualTo("offline");
    JsonArray open = hw.get("/api/v1/outages?open=true", READ).bodyAsJsonObject().getJsonArray("outages");
    assertThat(open).hasSize(1);
    JsonObject outage = open.getJsonObject(0);
    assertThat(outage.getString("id")).isEqualTo(channel.getString("openOutageId"));
    assertThat(outage.getLong("firstFailureAt")).isEqualTo(t + 1_000);
    assertThat(outage.getLong("confirmedAt")).isEqualTo(t + 3_000);
    assertThat(outage.getString("reason")).isEqualTo("timeout");
    assertThat(outage.getValue("recoveredAt")).isNull();

    hw.ingest(sample("db", t + 5_000, true));
    JsonObject closed = hw.get("/api/v1/outages/" + outage.getString("id"), READ).bodyAsJsonObject();
    assertThat(closed.getLong("recoveredAt")).isEqualTo(t + 5_000);
    assertThat(closed.getLong("actualDuration")).isEqualTo(4_000);
    assertThat(closed.getInteger("failureCount")).isEqualTo(3);
    assertThat(hw.get("/api/v1/outages?open=true", READ).bodyAsJsonObject().getJsonArray("outages")).isEmpty();
    assertThat(hw.get("/api/v1/outages?open=false&channelId=db", READ).bodyAsJsonObject().getJsonArray("outages")).hasSize(1);
    assertThat(hw.get("/api/v1/outages?channelId=other", READ).bodyAsJsonObject().getJsonArray("outages")).isEmpty();
    assertThat(hw.get("/api/v1/outages?open=maybe", READ).statusCode()).isEqualTo(400);
    assertThat(hw.get("/api/v1/outages/01NOSUCHOUTAGE", READ).statusCode()).isEqualTo(404);
  }

  // ---- writes ----

  @Test
  @DisplayName("deleting a channel removes it with its samples and outages")
  void deleteChannel() {
    long t = now() - 60_000;
    hw.ingest(new JsonArray().add(sample("gone", t, false)).add(sample("gone", t + 1, false)).add(sample("gone", t + 2, false)));
    assertThat(hw.get("/api/v1/outages?channelId=gone", READ).bodyAsJsonObject().getJsonArray("outages")).hasSize(1);
    assertThat(hw.delete("/api/v1/channels/gone", ADMIN).statusCode()).isEqualTo(204);
    assertThat(hw.get("/api/v1/channels/gone", READ).statusCode()).isEqualTo(404);
    assertThat(hw.get("/api/v1/outages?channelId=gone", READ).bodyAsJsonObject().getJsonArray("outages")).isEmpty();
    assertThat(hw.delete("/api/v1/channels/gone", ADMIN).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("a watch starts, refuses a second one, shows live stats, stops and is archived")
  void watches() {
    assertThat(hw.get("/api/v1/watches/current", READ).statusCode()).isEqualTo(404);
    HttpResponse<Buffer> started = hw.postJson("/api/v1/watches", ADMIN,
        new JsonObject().put("durationMs", 3_600_000).put("channels", new JsonArray().add("api")));
    assertThat(started.statusCode()).isEqualTo(201);
    JsonObject watch = started.bodyAsJsonObject();
    assertThat(watch.getLong("endsAt") - watch.getLong("startedAt")).isEqualTo(3_600_000);
    assertThat(watch.getValue("endedAt")).isNull();

    HttpResponse<Buffer> second = hw.postJson("/api/v1/watches", ADMIN, new JsonObject().put("durationMs", 1000));
    assertThat(second.statusCode()).isEqualTo(409);
    assertThat(errorOf(second).getString("code")).isEqualTo("conflict");

    hw.ingest(new JsonArray().add(sample("api", now(), true)).add(sample("other", now(), true)));
    JsonObject current = hw.get("/api/v1/watches/current", READ).bodyAsJsonObject();
    assertThat(current.getString("id")).isEqualTo(watch.getString("id"));
    assertThat(current.getJsonObject("stats").getJsonObject("api").getLong("samples")).isEqualTo(1);
    assertThat(current.getJsonObject("stats").containsKey("other")).isFalse();

    HttpResponse<Buffer> stopped = hw.send(HttpMethod.POST, "/api/v1/watches/current/stop", ADMIN, null, null);
    assertThat(stopped.statusCode()).isEqualTo(200);
    assertThat(stopped.bodyAsJsonObject().getLong("endedAt")).isNotNull();
    assertThat(hw.get("/api/v1/watches/current", READ).statusCode()).isEqualTo(404);
    assertThat(hw.send(HttpMethod.POST, "/api/v1/watches/current/stop", ADMIN, null, null).statusCode()).isEqualTo(404);
    JsonArray history = hw.get("/api/v1/watches?limit=5", READ).bodyAsJsonObject().getJsonArray("watches");
    assertThat(history).hasSize(1);
    assertThat(history.getJsonObject(0).getString("id")).isEqualTo(watch.getString("id"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"durationMs\":0}", "{\"durationMs\":-5}", "{\"durationMs\":9223372036854775807}", "{\"durationMs\":\"1h\"}", "{}",
      "{\"durationMs\":1000,\"channels\":[\"-x\"]}", "{\"durationMs\":1000,\"channels\":\"api\"}", "[1]"})
  @DisplayName("a watch request with a bad duration or channel list is invalid_request")
  void badWatch(String body) {
    HttpResponse<Buffer> r = hw.send(HttpMethod.POST, "/api/v1/watches", ADMIN, "application/json", body);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorOf(r).getString("code")).isEqualTo("invalid_request");
  }

  @Test
  @DisplayName("a custom value is stored as sent, read back as JSON and deleted")
  void custom() {
    String value = "{\"layout\":[1,2,3],\"title\":\"Ops \\u00e9\"}";
    assertThat(hw.send(HttpMethod.PUT, "/api/v1/custom/dashboard.v1", ADMIN, "application/json", value).statusCode()).isEqualTo(204);
    HttpResponse<Buffer> got = hw.get("/api/v1/custom/dashboard.v1", READ);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(got.getHeader("Content-Type")).startsWith("application/json");
    assertThat(got.bodyAsString()).isEqualTo(value);
    assertThat(hw.send(HttpMethod.PUT, "/api/v1/custom/n", ADMIN, "application/json", "42").statusCode()).isEqualTo(204);
    assertThat(hw.get("/api/v1/custom/n", READ).bodyAsString()).isEqualTo("42");
    assertThat(hw.delete("/api/v1/custom/dashboard.v1", ADMIN).statusCode()).isEqualTo(204);
    assertThat(hw.get("/api/v1/custom/dashboard.v1", READ).statusCode()).isEqualTo(404);
    assertThat(hw.delete("/api/v1/custom/dashboard.v1", ADMIN).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("custom values must be JSON of at most 1 MiB under a valid key")
  void customLimits() {
    HttpResponse<Buffer> notJson = hw.send(HttpMethod.PUT, "/api/v1/custom/k", ADMIN, "application/json", "{oops");
    assertThat(errorOf(notJson).getString("code")).isEqualTo("invalid_json");
    String big = "\"" + "x".repeat(1024 * 1024) + "\"";
    HttpResponse<Buffer> tooBig = hw.send(HttpMethod.PUT, "/api/v1/custom/k", ADMIN, "application/json", big);
    assertThat(tooBig.statusCode()).isEqualTo(413);
    assertThat(errorOf(tooBig).getString("code")).isEqualTo("too_large");
    String fits = "\"" + "x".repeat(1024 * 1024 - 2) + "\"";
    assertThat(hw.send(HttpMethod.PUT, "/api/v1/custom/k", ADMIN, "application/json", fits).statusCode()).isEqualTo(204);
    HttpResponse<Buffer> badKey = hw.send(HttpMethod.PUT, "/api/v1/custom/_k", ADMIN, "application/json", "1");
    assertThat(badKey.statusCode()).isEqualTo(400);
    assertThat(errorOf(badKey).getString("code")).isEqualTo("invalid_request");
    assertThat(hw.get("/api/v1/custom/_k", READ).statusCode()).isEqualTo(400);
    assertThat(hw.send(HttpMethod.PUT, "/api/v1/custom/k", ADMIN, "text/plain", "1").statusCode()).isEqualTo(415);
  }

  // ---- everything else ----

  @Test
  @DisplayName("unknown paths are not_found and wrong methods 405, both with the error shape")
  void unknownPaths() {
    HttpResponse<Buffer> r = hw.get("/api/v1/nothing-here", READ);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(errorOf(r).getString("code")).isEqualTo("not_found");
    assertThat(hw.get("/api/v2/channels", null).statusCode()).isEqualTo(404);
    HttpResponse<Buffer> wrong = hw.send(HttpMethod.PATCH, "/api/v1/channels", ADMIN, null, null);
    assertThat(wrong.statusCode()).isEqualTo(405);
    assertThat(errorOf(wrong).getString("code")).isEqualTo("method_not_allowed");
  }

  @Test
  @DisplayName("metrics are Prometheus text with HTTP and ingestion figures")
  void metrics() {
    JsonArray b = batch("m", now() - 1_000, 3);
    hw.ingest(b);
    hw.ingest(b);
    hw.ingest(new JsonArray().add(new JsonObject()));
    HttpResponse<Buffer> r = hw.get("/metrics", READ);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("text/plain");
    String text = r.bodyAsString();
    assertThat(text).contains("healthwatch_samples_ingested_total 3.0");
    assertThat(text).contains("healthwatch_samples_duplicate_total 3.0");
    assertThat(text).contains("healthwatch_batches_rejected_total{code=\"invalid_sample\"} 1.0");
    assertThat(text).contains("healthwatch_storage_write_seconds_count 2");
    assertThat(text).contains("healthwatch_websocket_clients");
    assertThat(text).contains("healthwatch_websocket_events_dropped_total");
    assertThat(text).contains("vertx_http_server_requests_total");
    assertThat(text).contains("jvm_memory_used_bytes");
  }

  @Test
  @DisplayName("when storage takes no writes, ingestion answers 503 with Retry-After and readiness is DOWN")
  void unavailable() {
    TestServer.await(hw.server.store().close());
    HttpResponse<Buffer> r = hw.ingest(sample("a", now(), true));
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(errorOf(r).getString("code")).isEqualTo("unavailable");
    assertThat(r.getHeader("Retry-After")).isEqualTo("5");
    HttpResponse<Buffer> ready = hw.get("/health/ready", null);
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsJsonObject().getString("status")).isEqualTo("DOWN");
    assertThat(ready.bodyAsJsonObject().getString("reason")).isNotBlank();
    assertThat(hw.get("/health/live", null).statusCode()).isEqualTo(200);
  }
}
