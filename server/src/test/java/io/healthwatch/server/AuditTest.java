package io.healthwatch.server;

import static io.healthwatch.server.TestServer.ADMIN;
import static io.healthwatch.server.TestServer.INGEST;
import static io.healthwatch.server.TestServer.PROBE;
import static io.healthwatch.server.TestServer.READ;
import static io.healthwatch.server.TestServer.await;
import static io.healthwatch.server.TestServer.errorOf;
import static io.healthwatch.server.TestServer.now;
import static io.healthwatch.server.TestServer.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.storage.StorageException;
import io.healthwatch.server.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The audit trail as an operator reads it through {@code GET /api/v1/audit}. */
@ExtendWith(VertxExtension.class)
class AuditTest {
  private static final List<String> TOKENS = List.of(ADMIN, READ, INGEST, PROBE, "not-a-configured-token");
  private TestServer server;

  @BeforeEach
  void start(Vertx vertx) {
    server = TestServer.start(vertx);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private JsonArray audit(String query) {
    HttpResponse<Buffer> r = server.get("/api/v1/audit" + query, ADMIN);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    for (String token : TOKENS) {
      assertThat(r.bodyAsString()).doesNotContain(token);
    }
    return r.bodyAsJsonObject().getJsonArray("records");
  }

  /** The records matching, read after the action was answered (so they must be there already). */
  private List<JsonObject> records(Predicate<JsonObject> match) {
    return audit("?limit=10000").stream().map(o -> (JsonObject) o).filter(match).toList();
  }

  private List<JsonObject> records(String action) {
    return records(r -> action.equals(r.getString("action")));
  }

  private static final String ADMIN_ID = Tokens.identity(ADMIN);

  @Test
  @DisplayName("every change leaves exactly one record with time, token identity, action and target, acknowledged after it")
  void changes() {
    long before = now();
    server.ingest(sample("doomed", now() - 1_000, true));
    assertThat(server.delete("/api/v1/channels/doomed", ADMIN).statusCode()).isEqualTo(204);
    assertThat(server.send(HttpMethod.PUT, "/api/v1/custom/motd", ADMIN, "application/json", "\"hello\"").statusCode())
        .isEqualTo(204);
    assertThat(server.delete("/api/v1/custom/motd", ADMIN).statusCode()).isEqualTo(204);
    HttpResponse<Buffer> started = server.postJson("/api/v1/watches", ADMIN, new JsonObject().put("durationMs", 60_000));
    assertThat(started.statusCode()).isEqualTo(201);
    String watchId = started.bodyAsJsonObject().getString("id");
    assertThat(server.postJson("/api/v1/watches/current/stop", ADMIN, new JsonObject()).statusCode()).isEqualTo(200);

    List<String[]> expected = List.of(new String[] {"channel.delete", "doomed"}, new String[] {"custom.put", "motd"},
        new String[] {"custom.delete", "motd"}, new String[] {"watch.start", watchId}, new String[] {"watch.stop", watchId});
    for (String[] e : expected) {
      List<JsonObject> found = records(r -> e[0].equals(r.getString("action")) && e[1].equals(r.getString("target")));
      assertThat(found).as("%s %s", e[0], e[1]).hasSize(1);
      JsonObject r = found.get(0);
      assertThat(r.getString("actor")).isEqualTo(ADMIN_ID).matches("sha256:[0-9a-f]{12}");
      assertThat(r.getLong("time")).isBetween(before, now());
    }
    assertThat(records("custom.put").get(0).getString("detail")).isEqualTo("7 bytes");
    assertThat(records("watch.start").get(0).getString("detail")).contains("channels=*");
    // newest first: the stop came last
    assertThat(audit("?limit=1").getJsonObject(0).getString("action")).isEqualTo("watch.stop");
  }

  @Test
  @DisplayName("a change that did not happen (unknown channel or key, no active watch, bad body) leaves no record")
  void noChangeNoRecord() {
    assertThat(server.delete("/api/v1/channels/ghost", ADMIN).statusCode()).isEqualTo(404);
    assertThat(server.delete("/api/v1/custom/ghost", ADMIN).statusCode()).isEqualTo(404);
    assertThat(server.postJson("/api/v1/watches/current/stop", ADMIN, new JsonObject()).statusCode()).isEqualTo(404);
    assertThat(server.postJson("/api/v1/watches", ADMIN, new JsonObject().put("durationMs", -1)).statusCode()).isEqualTo(400);
    assertThat(records(r -> !r.getString("action").equals("retention.run"))).isEmpty();
  }

  @Test
  @DisplayName("the retention run at start is recorded as the system's")
  void retention() {
    List<JsonObject> runs = records("retention.run");
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0).getString("actor")).isEqualTo("system");
    assertThat(runs.get(0).getString("detail")).startsWith("cutoff=").contains("removed=0");
  }

  @Test
  @DisplayName("each refused authentication (no token, unknown token, missing role) leaves one record, never the token")
  void refused() {
    assertThat(server.get("/api/v1/channels", null).statusCode()).isEqualTo(401);
    assertThat(server.get("/api/v1/outages", "not-a-configured-token").statusCode()).isEqualTo(401);
    assertThat(server.delete("/api/v1/channels/api", READ).statusCode()).isEqualTo(403);
    assertThat(server.get("/api/v1/audit", INGEST).statusCode()).isEqualTo(403);

    List<JsonObject> refused = records("auth.refused");
    assertThat(refused).extracting(r -> r.getString("actor"), r -> r.getString("target"))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(Tokens.identity(INGEST), "GET /api/v1/audit"),
            org.assertj.core.groups.Tuple.tuple(Tokens.identity(READ), "DELETE /api/v1/channels/api"),
            org.assertj.core.groups.Tuple.tuple(Tokens.identity("not-a-configured-token"), "GET /api/v1/outages"),
            org.assertj.core.groups.Tuple.tuple("none", "GET /api/v1/channels"));
    assertThat(refused.get(0).getString("detail")).startsWith("forbidden");
    assertThat(refused.get(3).getString("detail")).startsWith("unauthorized");
    // an attempt is refused with nothing changed
    assertThat(records(r -> r.getString("action").equals("channel.delete"))).isEmpty();
  }

  @Test
  @DisplayName("a refused WebSocket upgrade and an unknown token in an auth frame are recorded too")
  void refusedLive(Vertx vertx) throws Exception {
    var client = vertx.createWebSocketClient();
    Throwable upgrade = LiveClient.open(vertx, client, server.port(), "not-a-configured-token")
        .toCompletionStage().toCompletableFuture().handle((ws, err) -> err).get();
    assertThat(upgrade).isNotNull();
    try (LiveClient live = LiveClient.connect(vertx, server.port(), null)) {
      live.send(new JsonObject().put("type", "auth").put("id", "a1").put("token", "not-a-configured-token"));
      assertThat(live.awaitType("error").getJsonObject("error").getString("code")).isEqualTo("unauthorized");
    }
    client.close();
    long deadline = System.currentTimeMillis() + 10_000;
    List<JsonObject> refused = records("auth.refused");
    while (refused.size() < 2 && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      refused = records("auth.refused");
    }
    assertThat(refused).extracting(r -> r.getString("target"))
        .containsExactlyInAnyOrder("GET /api/v1/live", "WebSocket /api/v1/live");
    assertThat(refused).allMatch(r -> r.getString("actor").equals(Tokens.identity("not-a-configured-token")));
  }

  @Test
  @DisplayName("GET /api/v1/audit is for admins only")
  void endpointAuth() {
    assertThat(server.get("/api/v1/audit", null).statusCode()).isEqualTo(401);
    assertThat(server.get("/api/v1/audit", READ).statusCode()).isEqualTo(403);
    assertThat(errorOf(server.get("/api/v1/audit", PROBE)).getString("code")).isEqualTo("forbidden");
    assertThat(server.get("/api/v1/audit", ADMIN).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("from, to and limit select the records; bad values are invalid_request")
  void parameters() throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      server.send(HttpMethod.PUT, "/api/v1/custom/k" + i, ADMIN, "application/json", "1");
      Thread.sleep(2); // distinct times
    }
    List<JsonObject> all = records("custom.put");
    assertThat(all).extracting(r -> r.getString("target")).containsExactly("k4", "k3", "k2", "k1", "k0");
    long t1 = all.get(3).getLong("time");
    long t3 = all.get(1).getLong("time");
    assertThat(audit("?from=" + t1 + "&to=" + t3).stream().map(o -> ((JsonObject) o).getString("target")))
        .containsExactly("k2", "k1");
    assertThat(audit("?limit=2").stream().map(o -> ((JsonObject) o).getString("target"))).containsExactly("k4", "k3");
    assertThat(audit("?from=" + (now() + 60_000))).isEmpty();
    for (String bad : List.of("?from=abc", "?to=1.5", "?from=10&to=5", "?limit=0", "?limit=10001", "?limit=x")) {
      HttpResponse<Buffer> r = server.get("/api/v1/audit" + bad, ADMIN);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(errorOf(r).getString("code")).as(bad).isEqualTo("invalid_request");
      assertThat(errorOf(r).getJsonArray("details")).isNotNull();
    }
  }

  @Test
  @DisplayName("a change whose audit record cannot be stored is answered 503, never 2xx")
  void auditFailure(Vertx vertx) {
    server.close();
    server = TestServer.wrap(vertx, await(HealthWatchServer.start(TestServer.config(),
        (v, c) -> Stores.replacing(v, "audit", args -> Future.failedFuture(StorageException.unavailable("disk full", null))))));
    HttpResponse<Buffer> r = server.send(HttpMethod.PUT, "/api/v1/custom/k", ADMIN, "application/json", "1");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.getHeader("Retry-After")).isNotNull();
    assertThat(errorOf(r).getString("message")).contains("audit record");
    // a refusal is still refused
    assertThat(server.get("/api/v1/channels", null).statusCode()).isEqualTo(401);
  }
}
