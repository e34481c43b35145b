package io.healthwatch.server;

import io.healthwatch.server.auth.Tokens;
import io.healthwatch.server.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real server on a random port with the memory backend, and a client for it. */
final class TestServer implements AutoCloseable {
  static final String INGEST = "tok-ingest-only";
  static final String READ = "tok-read-only";
  static final String ADMIN = "tok-admin";
  static final String PROBE = "tok-ingest-read";

  final HealthWatchServer server;
  final WebClient client;

  private TestServer(HealthWatchServer server, WebClient client) {
    this.server = server;
    this.client = client;
  }

  static ServerConfig config() {
    Tokens tokens = Tokens.parse(List.of(
        "# test tokens",
        INGEST + " ingest",
        READ + " read",
        "",
        ADMIN + " admin",
        PROBE + " ingest,read"));
    return new ServerConfig()
        .storage(ServerConfig.Backend.MEMORY)
        .port(0)
        .eventLoops(2)
        .tokens(Path.of("test-tokens"), tokens);
  }

  static TestServer start(Vertx clientVertx) {
    return start(clientVertx, config());
  }

  static TestServer start(Vertx clientVertx, ServerConfig config) {
    return new TestServer(await(HealthWatchServer.start(config)), WebClient.create(clientVertx));
  }

  static TestServer wrap(Vertx clientVertx, HealthWatchServer server) {
    return new TestServer(server, WebClient.create(clientVertx));
  }

  int port() {
    return server.port();
  }

  HttpRequest<Buffer> request(HttpMethod method, String path, String token) {
    HttpRequest<Buffer> r = client.request(method, port(), "127.0.0.1", path);
    if (token != null) {
      r.putHeader("Authorization", "Bearer " + token);
    }
    return r;
  }

  HttpResponse<Buffer> get(String path, String token) {
    return await(request(HttpMethod.GET, path, token).send());
  }

  HttpResponse<Buffer> delete(String path, String token) {
    return await(request(HttpMethod.DELETE, path, token).send());
  }

  HttpResponse<Buffer> send(HttpMethod method, String path, String token, String contentType, String body) {
    HttpRequest<Buffer> r = request(method, path, token);
    if (contentType != null) {
      r.putHeader("Content-Type", contentType);
    }
    return await(body == null ? r.send() : r.sendBuffer(Buffer.buffer(body)));
  }

  HttpResponse<Buffer> postJson(String path, String token, Object body) {
    return send(HttpMethod.POST, path, token, "application/json", body.toString());
  }

  HttpResponse<Buffer> ingest(Object body) {
    return postJson("/api/v1/samples", INGEST, body);
  }

  static long now() {
    return System.currentTimeMillis();
  }

  static JsonObject sample(String channel, long timestamp, boolean success) {
    JsonObject s = new JsonObject().put("channelId", channel).put("timestamp", timestamp).put("success", success);
    if (success) {
      s.put("latencyMs", 40);
    } else {
      s.put("reason", "timeout");
    }
    return s;
  }

  static JsonArray batch(String channel, long from, int count) {
    JsonArray a = new JsonArray();
    for (int i = 0; i < count; i++) {
      a.add(sample(channel, from + i, true));
    }
    return a;
  }

  static JsonObject errorOf(HttpResponse<Buffer> r) {
    return r.bodyAsJsonObject().getJsonObject("error");
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not succeed: " + e, e);
    }
  }

  @Override
  public void close() {
    client.close();
    await(server.stop());
  }
}
