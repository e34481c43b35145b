package io.healthwatch.server;

import static io.healthwatch.server.TestServer.READ;
import static io.healthwatch.server.TestServer.batch;
import static io.healthwatch.server.TestServer.now;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class SlowConsumerTest {
  private static final Pattern DROPPED = Pattern.compile("(?m)^healthwatch_websocket_events_dropped_total (\\S+)$");
  private static final int BATCH = 500;
  private static final int MAX_BATCHES = 400;

  @Test
  @DisplayName("a client that stops reading loses events, not ingestion or other clients, and is told how many")
  void slowConsumer(Vertx vertx) {
    try (TestServer hw = TestServer.start(vertx, TestServer.config().wsWriteQueueBytes(16 * 1024));
        LiveClient fast = LiveClient.connect(vertx, hw.port(), READ)) {
      WebSocketClient slowClient = vertx.createWebSocketClient(new WebSocketClientOptions().setReceiveBufferSize(4096));
      LiveClient slowFrames;
      try {
        slowFrames = LiveClient.wrap(slowClient, TestServer.await(LiveClient.open(vertx, slowClient, hw.port(), READ)));
        JsonObject subscribe = new JsonObject().put("type", "subscribe").put("channels", "*");
        fast.request(subscribe.copy().put("id", "f"));
        slowFrames.request(subscribe.copy().put("id", "s"));
        slowFrames.ws.pause();

        long start = now() - 3_600_000;
        int fastSamples = 0;
        int fastStates = 0;
        int batches = 0;
        double dropped = 0;
        while (batches < MAX_BATCHES && dropped == 0) {
          for (int i = 0; i < 4; i++, batches++) {
            assertThat(hw.ingest(batch("load", start + (long) batches * BATCH, BATCH)).statusCode()).isEqualTo(200);
            int expected = (batches + 1) * BATCH;
            while (fastSamples < expected) {
              JsonObject f = fast.next();
              assertThat(f.getString("type")).as("the fast client never misses an event").isIn("sample", "state");
              if ("sample".equals(f.getString("type"))) {
                fastSamples++;
              } else {
                fastStates++;
              }
            }
          }
          dropped = droppedEvents(hw);
        }
        assertThat(dropped).as("events were dropped for the stalled client after %d batches", batches).isPositive();
        assertThat(fastSamples).isEqualTo(batches * BATCH);
        System.out.printf("slow consumer: first drop after %d batches of %d samples%n", batches, BATCH);

        slowFrames.ws.resume();
        List<JsonObject> received = new java.util.ArrayList<>();
        JsonObject last = null;
        while (last == null || !"dropped".equals(last.getString("type"))) {
          last = slowFrames.next();
          received.add(last);
        }
        received.addAll(slowFrames.collect(1_000));
        long droppedCount = received.stream().filter(f -> "dropped".equals(f.getString("type")))
            .mapToLong(f -> f.getLong("count")).sum();
        long delivered = received.stream().filter(f -> !"dropped".equals(f.getString("type"))).count();
        assertThat(droppedCount).isPositive().isEqualTo((long) droppedEvents(hw));
        assertThat(delivered + droppedCount).as("every event was either delivered or counted").isEqualTo(fastSamples + fastStates);
      } finally {
        slowClient.close();
      }
    }
  }

  private static double droppedEvents(TestServer hw) {
    Matcher m = DROPPED.matcher(hw.get("/metrics", READ).bodyAsString());
    assertThat(m.find()).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
