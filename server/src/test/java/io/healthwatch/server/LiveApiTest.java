package io.healthwatch.server;

import static io.healthwatch.server.TestServer.ADMIN;
import static io.healthwatch.server.TestServer.INGEST;
import static io.healthwatch.server.TestServer.PROBE;
import static io.healthwatch.server.TestServer.READ;
import static io.healthwatch.server.TestServer.now;
import static io.healthwatch.server.TestServer.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class LiveApiTest {
  private Vertx vertx;
  private TestServer hw;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    hw = TestServer.start(vertx, TestServer.config().wsAuthTimeoutMs(500));
  }

  @AfterEach
  void stop() {
    hw.close();
  }

  private LiveClient connect(String token) {
    return LiveClient.connect(vertx, hw.port(), token);
  }

  private static JsonObject subscribe(String id, Object channels) {
    return new JsonObject().put("type", "subscribe").put("id", id).put("channels", channels);
  }

  private static JsonObject query(String id, String query) {
    return new JsonObject().put("type", "query").put("id", id).put("query", query);
  }

  @Test
  @DisplayName("a subscriber sees samples ingested over HTTP, and the state change they cause")
  void eventsFromHttp() {
    try (LiveClient live = connect(READ)) {
      JsonObject ok = live.request(subscribe("s1", new JsonArray().add("api")));
      assertThat(ok.getString("type")).isEqualTo("subscribed");
      assertThat(ok.getJsonArray("channels")).containsExactly("api");
      long t = now() - 1_000;
      hw.ingest(new JsonArray().add(sample("other", t, true)).add(sample("api", t, true)));
      JsonObject event = live.awaitType("sample");
      assertThat(event.getJsonObject("sample").getString("channelId")).isEqualTo("api");
      assertThat(event.getJsonObject("sample").getLong("timestamp")).isEqualTo(t);
      JsonObject state = live.awaitType("state");
      assertThat(state.getJsonObject("channel").getString("state")).isEqualTo("online");
      assertThat(state.getJsonObject("channel").containsKey("failureStreakStartedAt")).isFalse();
      assertThat(live.collect(300)).noneMatch(f -> f.encode().contains("\"other\""));
    }
  }

  @Test
  @DisplayName("an outage is seen opening and closing through live events")
  void outageEvents() {
    try (LiveClient live = connect(READ)) {
      live.request(subscribe("s", "*"));
      long t = now() - 60_000;
      hw.ingest(new JsonArray().add(sample("db", t, true)).add(sample("db", t + 1, false))
          .add(sample("db", t + 2, false)).add(sample("db", t + 3, false)));
      List<JsonObject> seen = new java.util.ArrayList<>();
      live.await(f -> {
        seen.add(f);
        return seen.stream().anyMatch(e -> "outage".equals(e.getString("type")))
            && seen.stream().anyMatch(e -> "state".equals(e.getString("type"))
                && "offline".equals(e.getJsonObject("channel").getString("state")));
      });
      JsonObject opened = seen.stream().filter(e -> "outage".equals(e.getString("type"))).findFirst().orElseThrow().getJsonObject("outage");
      JsonObject offline = seen.stream().filter(e -> "state".equals(e.getString("type"))
          && "offline".equals(e.getJsonObject("channel").getString("state"))).findFirst().orElseThrow();
      assertThat(opened.getString("channelId")).isEqualTo("db");
      assertThat(opened.getValue("recoveredAt")).isNull();
      assertThat(opened.getLong("firstFailureAt")).isEqualTo(t + 1);
      assertThat(offline.getJsonObject("channel").getString("openOutageId")).isEqualTo(opened.getString("id"));

      hw.ingest(sample("db", t + 10, true));
      JsonObject closed = live.awaitType("outage").getJsonObject("outage");
      assertThat(closed.getString("id")).isEqualTo(opened.getString("id"));
      assertThat(closed.getLong("recoveredAt")).isEqualTo(t + 10);
      assertThat(closed.getLong("actualDuration")).isEqualTo(9);
      assertThat(hw.get("/api/v1/channels/db", READ).bodyAsJsonObject().getString("state")).isEqualTo("online");
    }
  }

  @Test
  @DisplayName("samples ingested over the WebSocket are acknowledged once stored and reach other subscribers")
  void ingestOverWebSocket() {
    try (LiveClient watcher = connect(READ); LiveClient probe = connect(PROBE)) {
      watcher.request(subscribe("s", new JsonArray().add("ws")));
      JsonArray samples = new JsonArray().add(sample("ws", now() - 2_000, true)).add(sample("ws", now() - 1_000, false));
      JsonObject ack = probe.request(new JsonObject().put("type", "ingest").put("id", "r1").put("samples", samples));
      assertThat(ack.getString("type")).isEqualTo("ack");
      assertThat(ack.getInteger("accepted")).isEqualTo(2);
      assertThat(ack.getInteger("duplicates")).isZero();
      assertThat(watcher.awaitType("sample").getJsonObject("sample").getString("channelId")).isEqualTo("ws");
      JsonObject again = probe.request(new JsonObject().put("type", "ingest").put("id", "r2").put("samples", samples));
      assertThat(again.getInteger("duplicates")).isEqualTo(2);
      assertThat(hw.get("/api/v1/channels/ws/samples", READ).bodyAsJsonObject().getJsonArray("samples")).hasSize(2);
    }
  }

  @Test
  @DisplayName("a large batch sent as one WebSocket frame, as browsers do, is accepted")
  void largeSingleFrame() {
    try (LiveClient probe = connect(INGEST)) {
      JsonArray samples = TestServer.batch("bulk", now() - 3_600_000, 2_000);
      assertThat(samples.encode().length()).isGreaterThan(65_536);
      JsonObject ack = probe.request(new JsonObject().put("type", "ingest").put("id", "big").put("samples", samples));
      assertThat(ack.getInteger("accepted")).isEqualTo(2_000);
    }
  }

  @Test
  @DisplayName("an invalid WebSocket batch gets an error frame with every broken rule; the connection stays open")
  void invalidIngestFrame() {
    try (LiveClient probe = connect(INGEST)) {
      JsonArray samples = new JsonArray().add(sample("ok", now(), true)).add(new JsonObject().put("channelId", "x"));
      JsonObject error = probe.request(new JsonObject().put("type", "ingest").put("id", "bad").put("samples", samples));
      assertThat(error.getString("type")).isEqualTo("error");
      assertThat(error.getJsonObject("error").getString("code")).isEqualTo("invalid_sample");
      assertThat(error.getJsonObject("error").getJsonArray("details")).hasSize(2);
      assertThat(hw.get("/api/v1/channels/ok", READ).statusCode()).isEqualTo(404);
      JsonObject ack = probe.request(new JsonObject().put("type", "ingest").put("id", "good")
          .put("samples", new JsonArray().add(sample("ok", now(), true))));
      assertThat(ack.getInteger("accepted")).isEqualTo(1);
      JsonObject missing = probe.request(new JsonObject().put("type", "ingest").put("id", "none"));
      assertThat(missing.getJsonObject("error").getString("code")).isEqualTo("invalid_request");
    }
  }

  @Test
  @DisplayName("query frames answer with the same data as the HTTP routes")
  void queries() {
    long t = now() - 60_000;
    hw.ingest(new JsonArray().add(sample("q", t, false)).add(sample("q", t + 1, false)).add(sample("q", t + 2, false))
        .add(sample("q", t + 3, true)));
    try (LiveClient live = connect(READ)) {
      JsonObject channels = live.request(query("1", "channels"));
      assertThat(channels.getString("type")).isEqualTo("result");
      assertThat(channels.getJsonObject("data")).isEqualTo(hw.get("/api/v1/channels", READ).bodyAsJsonObject());
      JsonObject channel = live.request(query("2", "channel").put("channelId", "q"));
      assertThat(channel.getJsonObject("data")).isEqualTo(hw.get("/api/v1/channels/q", READ).bodyAsJsonObject());
      JsonObject samples = live.request(query("3", "samples").put("channelId", "q").put("limit", 2).put("order", "asc"));
      assertThat(samples.getJsonObject("data"))
          .isEqualTo(hw.get("/api/v1/channels/q/samples?limit=2&order=asc", READ).bodyAsJsonObject());
      JsonObject stats = live.request(query("4", "stats").put("channelId", "q").put("from", 0).put("to", t + 10));
      assertThat(stats.getJsonObject("data"))
          .isEqualTo(hw.get("/api/v1/channels/q/stats?from=0&to=" + (t + 10), READ).bodyAsJsonObject());
      JsonObject outages = live.request(query("5", "outages").put("open", false));
      assertThat(outages.getJsonObject("data").getJsonArray("outages")).hasSize(1);

      JsonObject unknown = live.request(query("6", "channel").put("channelId", "nope"));
      assertThat(unknown.getJsonObject("error").getString("code")).isEqualTo("not_found");
      JsonObject badLimit = live.request(query("7", "samples").put("channelId", "q").put("limit", 0));
      assertThat(badLimit.getJsonObject("error").getString("code")).isEqualTo("invalid_request");
      JsonObject badQuery = live.request(query("8", "everything"));
      assertThat(badQuery.getJsonObject("error").getString("code")).isEqualTo("invalid_request");
      JsonObject noChannel = live.request(query("9", "samples"));
      assertThat(noChannel.getJsonObject("error").getString("code")).isEqualTo("invalid_request");
    }
  }

  @Test
  @DisplayName("malformed, unknown and binary frames get error frames and never close the connection")
  void malformedFrames() {
    try (LiveClient live = connect(READ)) {
      TestServer.await(live.ws.writeTextMessage("{not json"));
      assertThat(live.awaitType("error").getJsonObject("error").getString("code")).isEqualTo("invalid_json");
      TestServer.await(live.ws.writeTextMessage("[1,2]"));
      assertThat(live.awaitType("error").getJsonObject("error").getString("code")).isEqualTo("invalid_request");
      JsonObject unknown = live.request(new JsonObject().put("type", "dance").put("id", "u"));
      assertThat(unknown.getJsonObject("error").getString("code")).isEqualTo("invalid_request");
      JsonObject badChannels = live.request(subscribe("b", "api"));
      assertThat(badChannels.getJsonObject("error").getString("code")).isEqualTo("invalid_request");
      TestServer.await(live.ws.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3})));
      assertThat(live.awaitType("error").getJsonObject("error").getString("code")).isEqualTo("invalid_request");
      assertThat(live.request(query("still", "channels")).getString("type")).isEqualTo("result");
      assertThat(live.closed.getCount()).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("frames need the role: read to subscribe and query, ingest to ingest")
  void frameRoles() {
    try (LiveClient ingestOnly = connect(INGEST); LiveClient readOnly = connect(READ)) {
      assertThat(ingestOnly.request(subscribe("s", "*")).getJsonObject("error").getString("code")).isEqualTo("forbidden");
      assertThat(ingestOnly.request(query("q", "channels")).getJsonObject("error").getString("code")).isEqualTo("forbidden");
      JsonObject ingest = new JsonObject().put("type", "ingest").put("id", "i").put("samples", new JsonArray().add(sample("r", now(), true)));
      assertThat(readOnly.request(ingest).getJsonObject("error").getString("code")).isEqualTo("forbidden");
    }
  }

  @Test
  @DisplayName("a browser client authenticates with its first frame")
  void authFrame() {
    try (LiveClient live = connect(null)) {
      JsonObject before = live.request(subscribe("early", "*"));
      assertThat(before.getJsonObject("error").getString("code")).isEqualTo("unauthorized");
      JsonObject auth = live.request(new JsonObject().put("type", "auth").put("id", "a").put("token", READ));
      assertThat(auth.getString("type")).isEqualTo("authenticated");
      assertThat(auth.getJsonArray("roles")).containsExactly("read");
      assertThat(live.request(subscribe("s", "*")).getString("type")).isEqualTo("subscribed");
      hw.ingest(sample("browser", now(), true));
      assertThat(live.awaitType("sample").getJsonObject("sample").getString("channelId")).isEqualTo("browser");
      live.collect(800);
      assertThat(live.closed.getCount()).as("still open after the auth deadline").isEqualTo(1);
    }
  }

  @Test
  @DisplayName("a client that does not authenticate in time is closed with a policy-violation code")
  void authTimeout() {
    try (LiveClient live = connect(null)) {
      assertThat(live.awaitClosed(10)).isTrue();
      assertThat(live.ws.closeStatusCode()).isEqualTo((short) 1008);
    }
  }

  @Test
  @DisplayName("an unknown token in the auth frame gets an error and the connection is closed")
  void badAuthFrame() {
    try (LiveClient live = connect(null)) {
      JsonObject error = live.request(new JsonObject().put("type", "auth").put("id", "a").put("token", "wrong"));
      assertThat(error.getJsonObject("error").getString("code")).isEqualTo("unauthorized");
      assertThat(live.awaitClosed(10)).isTrue();
      assertThat(live.ws.closeStatusCode()).isEqualTo((short) 1008);
    }
  }

  @Test
  @DisplayName("an upgrade with an unknown token in the Authorization header is refused with 401")
  void badUpgradeHeader() {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      Throwable failure = LiveClient.open(vertx, client, hw.port(), "wrong").toCompletionStage().toCompletableFuture()
          .handle((ws, e) -> e).join();
      assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
      assertThat(((UpgradeRejectedException) failure).getStatus()).isEqualTo(401);
    } finally {
      client.close();
    }
  }

  @Test
  @DisplayName("watch start and end reach every subscriber, whatever channels it subscribed to")
  void watchEvents() {
    try (LiveClient live = connect(READ); LiveClient idle = connect(READ)) {
      live.request(subscribe("s", new JsonArray().add("unrelated")));
      hw.postJson("/api/v1/watches", ADMIN, new JsonObject().put("durationMs", 60_000));
      JsonObject started = live.awaitType("watch").getJsonObject("watch");
      assertThat(started.getValue("endedAt")).isNull();
      hw.send(io.vertx.core.http.HttpMethod.POST, "/api/v1/watches/current/stop", ADMIN, null, null);
      JsonObject ended = live.awaitType("watch").getJsonObject("watch");
      assertThat(ended.getString("id")).isEqualTo(started.getString("id"));
      assertThat(ended.getLong("endedAt")).isNotNull();
      assertThat(idle.collect(300)).as("a connection that subscribed to nothing gets no events").isEmpty();
    }
  }

  @Test
  @DisplayName("the number of open WebSocket connections is a metric")
  void clientGauge() {
    try (LiveClient a = connect(READ); LiveClient b = connect(null)) {
      a.request(query("1", "channels"));
      b.request(new JsonObject().put("type", "auth").put("id", "2").put("token", READ));
      assertThat(hw.get("/metrics", READ).bodyAsString()).contains("healthwatch_websocket_clients 2.0");
    }
  }

  @Test
  @DisplayName("after unsubscribing, a client gets no more events of that channel")
  void unsubscribe() {
    try (LiveClient live = connect(READ)) {
      live.request(subscribe("s", "*"));
      JsonObject un = live.request(new JsonObject().put("type", "unsubscribe").put("id", "u").put("channels", new JsonArray().add("quiet")));
      assertThat(un.getString("type")).isEqualTo("unsubscribed");
      hw.ingest(new JsonArray().add(sample("quiet", now(), true)).add(sample("loud", now(), true)));
      List<JsonObject> events = live.collect(500);
      assertThat(events).anyMatch(f -> f.encode().contains("\"loud\""));
      assertThat(events).noneMatch(f -> f.encode().contains("\"quiet\""));
      live.request(new JsonObject().put("type", "unsubscribe").put("id", "all").put("channels", "*"));
      hw.ingest(sample("loud", now() + 1, true));
      assertThat(live.collect(300)).isEmpty();
    }
  }
}
