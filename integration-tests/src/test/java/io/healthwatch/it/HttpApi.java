package io.healthwatch.it;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/** The server's HTTP API as a probe or an operator calls it, for setting up test data. */
final class HttpApi {

  private final ServerProcess server;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  HttpApi(ServerProcess server, String token) {
    this.server = server;
    this.token = token;
  }

  HttpApi(ServerProcess server) {
    this(server, null);
  }

  /** One sample as JSON; {@code latencyMs} and {@code reason} may be null. */
  static String sample(String channelId, long timestamp, boolean success, Integer latencyMs, String reason) {
    return "{\"channelId\":\"" + channelId + "\",\"timestamp\":" + timestamp + ",\"success\":" + success
        + ",\"latencyMs\":" + latencyMs + ",\"reason\":" + (reason == null ? "null" : "\"" + reason + "\"") + "}";
  }

  /** Posts a batch and returns the answer body; fails unless the server answers 200. */
  String ingest(List<String> samples) {
    return send("POST", "/api/v1/samples", samples.stream().collect(Collectors.joining(",", "[", "]")), 200);
  }

  String ingest(String... samples) {
    return ingest(List.of(samples));
  }

  String send(String method, String path, String body, int expectedStatus) {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    request.method(method, body == null
        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != expectedStatus) {
        throw new AssertionError(method + " " + path + " answered " + response.statusCode() + " (expected "
            + expectedStatus + "): " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
