package io.healthwatch.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Sample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The server's HTTP API as a probe or an operator calls it. */
public final class HttpApi {

  /** A status and a body as the server sent them. */
  public record Response(int status, HttpResponse<String> raw) {
    public String body() {
      return raw.body();
    }

    public JsonNode json() {
      return parse(raw.body());
    }

    /** The {@code error.code} of an error answer. */
    public String errorCode() {
      return json().path("error").path("code").asText(null);
    }
  }

  private final ServerProcess server;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  public HttpApi(ServerProcess server, String token) {
    this.server = server;
    this.token = token;
  }

  public HttpApi(ServerProcess server) {
    this(server, null);
  }

  /** One sample as JSON; {@code latencyMs} and {@code reason} may be null. */
  static String sample(String channelId, long timestamp, boolean success, Integer latencyMs, String reason) {
    return "{\"channelId\":\"" + channelId + "\",\"timestamp\":" + timestamp + ",\"success\":" + success
        + ",\"latencyMs\":" + latencyMs + ",\"reason\":" + (reason == null ? "null" : "\"" + reason + "\"") + "}";
  }

  public static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + json, e);
    }
  }

  /** What a client would read for {@code value}: its API JSON, parsed. */
  public static JsonNode apiTree(Object value) {
    return parse(Json.toApiJson(value));
  }

  /** Posts a batch and returns the answer body; fails unless the server answers 200. */
  String ingest(List<String> samples) {
    return send("POST", "/api/v1/samples", samples.stream().collect(Collectors.joining(",", "[", "]")), 200);
  }

  String ingest(String... samples) {
    return ingest(List.of(samples));
  }

  String send(String method, String path, String body, int expectedStatus) {
    Response response = call(method, path, body == null ? null : "application/json",
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (response.status() != expectedStatus) {
      throw new AssertionError(method + " " + path + " answered " + response.status() + " (expected "
          + expectedStatus + "): " + response.body());
    }
    return response.body();
  }

  /** A GET that must answer 200 with JSON. */
  public JsonNode get(String path) {
    return parse(send("GET", path, null, 200));
  }

  /** Any request, answered with whatever the server says; an I/O failure fails the caller. */
  public Response call(String method, String path, String contentType, HttpRequest.BodyPublisher body) {
    try {
      return callOrThrow(method, path, contentType, body);
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    }
  }

  /** Any request; an I/O failure (the server went away) is thrown to the caller. */
  public Response callOrThrow(String method, String path, String contentType, HttpRequest.BodyPublisher body)
      throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    request.method(method, body);
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /**
   * Every stored sample of a channel, oldest first, read page by page through the samples API
   * (pages continue after the last timestamp: for channels whose timestamps are unique). A channel
   * the server does not know (404 {@code not_found}) holds no sample.
   */
  public List<Sample> allSamples(String channelId) {
    List<Sample> all = new ArrayList<>();
    long from = 0;
    while (true) {
      String path = "/api/v1/channels/" + channelId + "/samples?order=asc&limit=10000&from=" + from;
      Response response = call("GET", path, null, HttpRequest.BodyPublishers.noBody());
      if (response.status() == 404 && from == 0 && "not_found".equals(response.errorCode())) {
        return all;
      }
      if (response.status() != 200) {
        throw new AssertionError("GET " + path + " answered " + response.status() + " (expected 200): " + response.body());
      }
      JsonNode page = response.json().path("samples");
      for (JsonNode s : page) {
        all.add(Json.MAPPER.convertValue(s, Sample.class));
      }
      if (page.size() < 10_000) {
        return all;
      }
      from = all.get(all.size() - 1).timestamp() + 1;
    }
  }

  /** Every outage of a channel, by the outages API. */
  public List<JsonNode> outages(String channelId) {
    List<JsonNode> out = new ArrayList<>();
    get("/api/v1/outages?limit=10000&channelId=" + channelId).path("outages").forEach(out::add);
    return out;
  }
}
