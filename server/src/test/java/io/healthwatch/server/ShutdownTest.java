package io.healthwatch.server;

import static io.healthwatch.server.TestServer.INGEST;
import static io.healthwatch.server.TestServer.batch;
import static io.healthwatch.server.TestServer.now;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.memory.InMemoryStore;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ShutdownTest {
  private static final int REQUESTS = 20;
  private static final int PER_REQUEST = 50;

  /** A memory store whose writes take 500 ms to become durable, so that requests are in flight. */
  private static Future<HealthStore> slowStore(Vertx vertx) {
    HealthStore real = new InMemoryStore(vertx, TestServer.config().storeOptions());
    return Future.succeededFuture(Stores.replacing(real, "ingest", args -> {
      @SuppressWarnings("unchecked")
      List<Sample> samples = (List<Sample>) args[0];
      return vertx.timer(500, TimeUnit.MILLISECONDS).compose(x -> real.ingest(samples));
    }));
  }

  @Test
  @DisplayName("stopping lets requests in flight finish, loses nothing acknowledged and refuses new connections")
  void gracefulStop(Vertx vertx) throws Exception {
    HealthWatchServer server = TestServer.await(HealthWatchServer.start(TestServer.config(), (v, c) -> slowStore(v)));
    WebClient client = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(REQUESTS));
    try {
      long start = now() - 3_600_000;
      List<Future<HttpResponse<Buffer>>> inFlight = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        inFlight.add(client.request(HttpMethod.POST, server.port(), "127.0.0.1", "/api/v1/samples")
            .putHeader("Authorization", "Bearer " + INGEST)
            .putHeader("Content-Type", "application/json")
            .sendBuffer(batch("c" + i, start, PER_REQUEST).toBuffer()));
      }
      Thread.sleep(200);
      long stopAt = System.nanoTime();
      TestServer.await(server.stop());
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt)).isLessThan(10_000);

      for (int i = 0; i < REQUESTS; i++) {
        HttpResponse<Buffer> r = TestServer.await(inFlight.get(i));
        assertThat(r.statusCode()).as("request %d in flight at stop", i).isEqualTo(200);
        assertThat(r.bodyAsJsonObject().getInteger("accepted")).isEqualTo(PER_REQUEST);
        List<Sample> stored = TestServer.await(server.store().samples("c" + i, new SampleQuery(0, Long.MAX_VALUE, 1_000, SortOrder.ASC)));
        assertThat(stored).as("acknowledged samples of request %d", i).hasSize(PER_REQUEST);
      }
      Throwable refused = client.request(HttpMethod.GET, server.port(), "127.0.0.1", "/health/live").send()
          .toCompletionStage().toCompletableFuture().handle((r, e) -> e).get(10, TimeUnit.SECONDS);
      assertThat(refused).as("no new connection after stop").isNotNull();
    } finally {
      client.close();
      TestServer.await(server.stop());
    }
  }
}
