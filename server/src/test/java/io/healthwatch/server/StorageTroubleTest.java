package io.healthwatch.server;

import static io.healthwatch.server.TestServer.INGEST;
import static io.healthwatch.server.TestServer.READ;
import static io.healthwatch.server.TestServer.now;
import static io.healthwatch.server.TestServer.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StoreHealth;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** How clients see a backend that needs attention or cannot take writes. */
@ExtendWith(VertxExtension.class)
class StorageTroubleTest {

  @Test
  @DisplayName("a degraded store is still ready, and readiness says what needs attention")
  void degraded(Vertx vertx) {
    StoreHealth degraded = new StoreHealth(StoreHealth.Status.DEGRADED, List.of("2 segments kept aside as corrupt"),
        new StoreHealth.CacheUsage(0, 1000, 0, 0), Map.of("backend", "test"));
    HealthWatchServer server = TestServer.await(HealthWatchServer.start(TestServer.config(),
        (v, c) -> Stores.replacing(v, "health", args -> Future.succeededFuture(degraded))));
    try (TestServer hw = TestServer.wrap(vertx, server)) {
      HttpResponse<Buffer> r = hw.get("/health/ready", null);
      assertThat(r.statusCode()).isEqualTo(200);
      JsonObject body = r.bodyAsJsonObject();
      assertThat(body.getString("status")).isEqualTo("DEGRADED");
      assertThat(body.getJsonArray("problems")).containsExactly("2 segments kept aside as corrupt");
      assertThat(body.getJsonObject("details").getString("backend")).isEqualTo("test");
    }
  }

  @Test
  @DisplayName("a store that cannot write answers WebSocket ingestion with an unavailable error frame")
  void unavailableOverWebSocket(Vertx vertx) {
    HealthWatchServer server = TestServer.await(HealthWatchServer.start(TestServer.config(),
        (v, c) -> Stores.replacing(v, "ingest", args -> Future.failedFuture(StorageException.unavailable("disk full", null)))));
    try (TestServer hw = TestServer.wrap(vertx, server); LiveClient live = LiveClient.connect(vertx, hw.port(), INGEST)) {
      JsonObject error = live.request(new JsonObject().put("type", "ingest").put("id", "r")
          .put("samples", new JsonArray().add(sample("a", now(), true))));
      assertThat(error.getString("type")).isEqualTo("error");
      assertThat(error.getJsonObject("error").getString("code")).isEqualTo("unavailable");
      HttpResponse<Buffer> http = hw.ingest(sample("a", now(), true));
      assertThat(http.statusCode()).isEqualTo(503);
      assertThat(TestServer.errorOf(http).getString("message")).isEqualTo("disk full");
      assertThat(hw.get("/metrics", READ).bodyAsString()).contains("healthwatch_batches_rejected_total{code=\"unavailable\"} 2.0");
    }
  }

  @Test
  @DisplayName("stopping the server closes live connections with 'going away'")
  void liveClosedAtStop(Vertx vertx) {
    TestServer hw = TestServer.start(vertx);
    try (LiveClient live = LiveClient.connect(vertx, hw.port(), READ)) {
      live.request(new JsonObject().put("type", "subscribe").put("id", "s").put("channels", "*"));
      hw.close();
      assertThat(live.awaitClosed(10)).isTrue();
      assertThat(live.ws.closeStatusCode()).isEqualTo((short) 1001);
    }
  }
}
