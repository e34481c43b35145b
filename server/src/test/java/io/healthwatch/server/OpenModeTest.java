package io.healthwatch.server;

import static io.healthwatch.server.TestServer.now;
import static io.healthwatch.server.TestServer.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.server.auth.Tokens;
import io.healthwatch.server.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class OpenModeTest {

  @Test
  @DisplayName("without tokens every request is allowed, over HTTP and WebSocket, on loopback")
  void open(Vertx vertx) {
    ServerConfig config = TestServer.config().tokens(null, Tokens.none());
    try (TestServer hw = TestServer.start(vertx, config); LiveClient live = LiveClient.connect(vertx, hw.port(), null)) {
      JsonObject subscribed = live.request(new JsonObject().put("type", "subscribe").put("id", "s").put("channels", "*"));
      assertThat(subscribed.getString("type")).isEqualTo("subscribed");
      assertThat(hw.postJson("/api/v1/samples", null, new JsonArray().add(sample("open", now(), true))).statusCode()).isEqualTo(200);
      assertThat(live.awaitType("sample").getJsonObject("sample").getString("channelId")).isEqualTo("open");
      assertThat(hw.get("/api/v1/channels/open", null).statusCode()).isEqualTo(200);
      assertThat(hw.get("/metrics", null).statusCode()).isEqualTo(200);
      assertThat(hw.delete("/api/v1/channels/open", null).statusCode()).isEqualTo(204);
      JsonObject auth = live.request(new JsonObject().put("type", "auth").put("id", "a").put("token", "anything"));
      assertThat(auth.getJsonArray("roles")).containsExactly("admin", "ingest", "read");
    }
  }

  @Test
  @DisplayName("a plain GET of the live endpoint is answered with invalid_request")
  void liveNeedsUpgrade(Vertx vertx) {
    try (TestServer hw = TestServer.start(vertx)) {
      var r = hw.get("/api/v1/live", TestServer.READ);
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(TestServer.errorOf(r).getString("code")).isEqualTo("invalid_request");
    }
  }
}
