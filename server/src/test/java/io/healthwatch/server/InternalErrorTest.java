package io.healthwatch.server;

import static io.healthwatch.server.TestServer.READ;
import static io.healthwatch.server.TestServer.errorOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.storage.HealthStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class InternalErrorTest {

  /** A memory store whose channel listing fails, by an exception thrown or by a failed Future. */
  private static Future<HealthStore> brokenStore(Vertx vertx, boolean thrown) {
    return Stores.replacing(vertx, "channels", args -> {
      IllegalStateException secret = new IllegalStateException("secret internals at /var/db");
      if (thrown) {
        throw secret;
      }
      return Future.failedFuture(secret);
    });
  }

  @Test
  @DisplayName("an unexpected failure is a 500 with a generic message and no stack trace")
  void internalError(Vertx vertx) {
    for (boolean thrown : new boolean[] {true, false}) {
      HealthWatchServer server = TestServer.await(HealthWatchServer.start(TestServer.config(), (v, c) -> brokenStore(v, thrown)));
      try (TestServer hw = TestServer.wrap(vertx, server)) {
        HttpResponse<Buffer> r = hw.get("/api/v1/channels", READ);
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(errorOf(r).getString("code")).isEqualTo("internal");
        assertThat(errorOf(r).getString("message")).isEqualTo("internal server error");
        assertThat(r.bodyAsString()).doesNotContain("secret", "Exception", "at io.");
        assertThat(hw.get("/health/live", null).statusCode()).isEqualTo(200);
      }
    }
  }
}
