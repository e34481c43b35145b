package io.healthwatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile client against the packaged server with a tokens file: broken and oversized bodies,
 * binary and garbage WebSocket frames, missing, unknown and under-privileged tokens. Each gets the
 * documented status and code (API.md and the README's list for where API.md is silent), nothing
 * of a refused request is stored (every such request uses channels named {@code bad-*}), and a
 * well-behaved probe and dashboard, running all along, keep getting answers.
 */
abstract class HostileClientTest extends BackendTest {
  private static final String INGEST = "ingest-token-0123456789";
  private static final String READ = "read-token-0123456789";
  private static final String ADMIN = "admin-token-0123456789";
  private static final int MAX_BODY = 4 * 1024 * 1024;

  @TempDir
  static Path tmp;

  private ServerProcess server;
  private HttpApi admin;
  private final AtomicBoolean stopGood = new AtomicBoolean();
  private final AtomicLong goodAnswers = new AtomicLong();
  private final List<String> goodFailures = new CopyOnWriteArrayList<>();
  private Thread good;
  private long answersBefore;

  protected HostileClientTest(Backend backend) {
    super(backend);
  }

  @BeforeAll
  void startServer() throws IOException {
    Path tokens = Files.writeString(tmp.resolve("tokens-" + backend.wireName()),
        "# tokens of the hostile client test\n" + INGEST + " ingest\n" + READ + " read\n" + ADMIN + " admin\n");
    Backend.Storage storage = closeAfterAll(backend.freshStorage("hostile"));
    server = closeAfterAll(storage.server("hostile").args("--tokens-file", tokens.toString()).start());
    admin = new HttpApi(server, ADMIN);
    good = new Thread(this::wellBehaved, "well-behaved-client");
    good.start();
  }

  /** A probe that sends one sample and reads its channel back, again and again, expecting 200s. */
  private void wellBehaved() {
    HttpApi probe = new HttpApi(server, INGEST);
    HttpApi reader = new HttpApi(server, READ);
    long t = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
    while (!stopGood.get()) {
      t += 10;
      HttpApi.Response in = probe.call("POST", "/api/v1/samples", "application/json",
          HttpRequest.BodyPublishers.ofString(HttpApi.sample("good", t, true, 5, null)));
      HttpApi.Response out = reader.call("GET", "/api/v1/channels/good", null, HttpRequest.BodyPublishers.noBody());
      if (in.status() != 200 || out.status() != 200 || out.json().path("lastSampleAt").asLong() != t) {
        goodFailures.add("ingest " + in.status() + " " + in.body() + ", read " + out.status() + " " + out.body());
      }
      goodAnswers.incrementAndGet();
      ServerProcess.pause(20);
    }
  }

  @AfterAll
  void stopWellBehaved() throws InterruptedException {
    stopGood.set(true);
    if (good != null) {
      good.join(30_000);
    }
  }

  @BeforeEach
  void countGoodAnswers() {
    answersBefore = goodAnswers.get();
  }

  @AfterEach
  void othersWereServedAndNothingRefusedWasStored() {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (goodAnswers.get() < answersBefore + 2 && System.nanoTime() < deadline) {
      ServerProcess.pause(20);
    }
    assertThat(goodFailures).as("answers to the well-behaved client that were not right").isEmpty();
    assertThat(goodAnswers.get()).as("answers to the well-behaved client during and after this test").isGreaterThan(answersBefore + 1);
    List<String> channels = new ArrayList<>();
    admin.get("/api/v1/channels").path("channels").forEach(c -> channels.add(c.path("channelId").asText()));
    assertThat(channels).as("channels stored").contains("good").noneMatch(c -> c.startsWith("bad-"));
  }

  // ---- HTTP bodies ----

  private HttpApi.Response post(String path, String contentType, String body) {
    return new HttpApi(server, ADMIN).call("POST", path, contentType, HttpRequest.BodyPublishers.ofString(body));
  }

  private static String badSample(int i) {
    return HttpApi.sample("bad-" + i, System.currentTimeMillis() - 60_000 + i, true, 10, null);
  }

  private static void assertError(HttpApi.Response r, int status, String code, String what) {
    assertThat(r.status()).as("status of %s: %s", what, r.body()).isEqualTo(status);
    assertThat(r.errorCode()).as("error code of %s", what).isEqualTo(code);
    assertThat(r.json().path("error").path("details").isArray()).as("details of %s", what).isTrue();
    assertThat(r.body()).as("answer to %s", what).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  @DisplayName("malformed JSON, JSON with trailing values and a bad NDJSON line are invalid_json")
  void malformedJson() {
    String good = badSample(1);
    assertError(post("/api/v1/samples", "application/json", good.substring(0, good.length() - 3)), 400, "invalid_json", "cut JSON");
    assertError(post("/api/v1/samples", "application/json", good + " " + good), 400, "invalid_json", "two JSON values");
    assertError(post("/api/v1/samples", "application/json", ""), 400, "invalid_json", "an empty body");
    assertError(post("/api/v1/samples", "application/json", "\u0000\u00ff garbage"), 400, "invalid_json", "binary garbage");
    assertError(post("/api/v1/samples", "application/x-ndjson", good + "\n{\"channelId\":\n" + badSample(2)), 400,
        "invalid_json", "NDJSON with a broken line");
    assertError(admin.call("PUT", "/api/v1/custom/bad-key", "application/json", HttpRequest.BodyPublishers.ofString("{\"a\":")),
        400, "invalid_json", "a broken custom value");
    assertError(post("/api/v1/watches", "application/json", "{durationMs: 5}"), 400, "invalid_json", "a broken watch request");
    assertThat(admin.call("GET", "/api/v1/custom/bad-key", null, HttpRequest.BodyPublishers.noBody()).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("wrong types are invalid_sample with every broken rule listed, and one bad sample rejects its whole batch")
  void wrongTypes() {
    HttpApi.Response r = post("/api/v1/samples", "application/json",
        "[" + badSample(3) + ",{\"channelId\":\"bad-4\",\"timestamp\":\"yesterday\",\"success\":\"yes\",\"latencyMs\":-1,"
            + "\"reason\":\"gremlins\"}," + badSample(5) + ",{\"channelId\":42,\"timestamp\":1.5,\"success\":true}]");
    assertError(r, 400, "invalid_sample", "a batch with wrongly typed samples");
    List<String> broken = new ArrayList<>();
    r.json().path("error").path("details").forEach(d -> broken.add(d.path("index").asInt() + ":" + d.path("field").asText()));
    assertThat(broken).contains("1:timestamp", "1:success", "1:latencyMs", "1:reason", "3:channelId", "3:timestamp")
        .noneMatch(b -> b.startsWith("0:") || b.startsWith("2:"));
    assertError(post("/api/v1/samples", "application/json", "\"a string\""), 400, "invalid_sample", "a string for a sample");
    assertError(post("/api/v1/samples", "application/json", "[[1,2],null]"), 400, "invalid_sample", "arrays and null for samples");
    assertError(post("/api/v1/samples", "text/plain", badSample(6)), 415, "unsupported_media_type", "text/plain");
    assertError(post("/api/v1/samples", null, badSample(7)), 415, "unsupported_media_type", "no Content-Type");
    assertError(post("/api/v1/watches", "application/json", "{\"durationMs\":\"long\"}"), 400, "invalid_request", "a watch of text duration");
    assertError(admin.call("GET", "/api/v1/channels/good/samples?limit=0", null, HttpRequest.BodyPublishers.noBody()),
        400, "invalid_request", "limit=0");
    assertError(admin.call("GET", "/api/v1/channels/good/samples?from=x", null, HttpRequest.BodyPublishers.noBody()),
        400, "invalid_request", "from=x");
    assertError(admin.call("GET", "/api/v1/channels/%20bad/samples", null, HttpRequest.BodyPublishers.noBody()),
        400, "invalid_request", "a channel id breaking the pattern");
    assertError(admin.call("PUT", "/api/v1/samples", "application/json", HttpRequest.BodyPublishers.ofString("[]")),
        405, "method_not_allowed", "PUT on the samples route");
    assertError(admin.call("GET", "/api/v1/nothing-here", null, HttpRequest.BodyPublishers.noBody()), 404, "not_found", "an unknown path");
  }

  @Test
  @DisplayName("bodies over 4 MiB, declared or chunked, and batches over 10,000 samples are too_large")
  void tooLarge() throws IOException {
    String many = IntStream.range(0, MAX_BODY / 60).mapToObj(HostileClientTest::badSample).collect(Collectors.joining(",", "[", "]"));
    assertThat(many.length()).isGreaterThan(MAX_BODY);
    assertError(post("/api/v1/samples", "application/json", many), 413, "too_large", "a 4 MiB+ body with Content-Length");

    // a body of unknown length: the client sends it chunked
    InputStream chunked = new ByteArrayInputStream(many.getBytes(StandardCharsets.UTF_8));
    HttpApi.Response r;
    try {
      r = new HttpApi(server, INGEST).callOrThrow("POST", "/api/v1/samples", "application/json",
          HttpRequest.BodyPublishers.ofInputStream(() -> chunked));
      assertError(r, 413, "too_large", "a 4 MiB+ chunked body");
    } catch (IOException e) {
      // the server may close the connection while the rest of the body is still being sent
      assertThat(e).as("a chunked body over the limit").hasMessageNotContaining("Connection refused");
    }

    String declared = rawExchange("POST /api/v1/samples HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + INGEST
        + "\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\nExpect: 100-continue\r\n\r\n");
    assertThat(declared).as("answer to a 50 MB declaration with Expect: 100-continue, before any body byte")
        .startsWith("HTTP/1.1 413").doesNotContain("100 Continue").contains("\"too_large\"");

    String batch = IntStream.range(0, 10_001).mapToObj(i -> "{\"channelId\":\"bad-b\",\"timestamp\":" + (System.currentTimeMillis() - 100_000 + i)
        + ",\"success\":true}").collect(Collectors.joining(",", "[", "]"));
    assertThat(batch.length()).isLessThan(MAX_BODY);
    assertError(post("/api/v1/samples", "application/json", batch), 413, "too_large", "a batch of 10,001 samples");
    String custom = "\"" + "x".repeat(1024 * 1024) + "\"";
    assertError(new HttpApi(server, ADMIN).call("PUT", "/api/v1/custom/bad-big", "application/json",
        HttpRequest.BodyPublishers.ofString(custom)), 413, "too_large", "a custom value over 1 MiB");
  }

  /** Writes {@code head} on a new connection and returns what the server answers within 5 s. */
  private String rawExchange(String head) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n; (n = in.read(buffer)) > 0; ) {
          answer.write(buffer, 0, n);
          if (answer.toString(StandardCharsets.UTF_8).contains("}}")) {
            break;
          }
        }
      } catch (java.net.SocketTimeoutException e) {
        // whatever came so far is the answer
      }
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  @DisplayName("100,000 distinct channels in full batches are stored while others are served, and one oversized request of them is refused")
  void hundredThousandChannels() {
    long t = System.currentTimeMillis() - 30_000;
    HttpApi probe = new HttpApi(server, INGEST);
    String all = IntStream.range(0, 100_000).mapToObj(i -> "{\"channelId\":\"bad-wide-" + i + "\",\"timestamp\":" + t
        + ",\"success\":true}").collect(Collectors.joining(",", "[", "]"));
    assertError(probe.call("POST", "/api/v1/samples", "application/json", HttpRequest.BodyPublishers.ofString(all)),
        413, "too_large", "100,000 channels in one request");
    for (int b = 0; b < 10; b++) {
      int first = b * 10_000;
      String batch = IntStream.range(first, first + 10_000).mapToObj(i -> "{\"channelId\":\"wide-" + i + "\",\"timestamp\":"
          + t + ",\"success\":" + (i % 3 != 0) + "}").collect(Collectors.joining(",", "[", "]"));
      HttpApi.Response r = probe.call("POST", "/api/v1/samples", "application/json", HttpRequest.BodyPublishers.ofString(batch));
      assertThat(r.status()).as("batch %d of 10,000 new channels: %s", b, r.body()).isEqualTo(200);
      assertThat(r.json().path("accepted").asInt()).isEqualTo(10_000);
    }
    JsonNode channels = admin.get("/api/v1/channels").path("channels");
    long wide = 0;
    for (JsonNode c : channels) {
      if (c.path("channelId").asText().startsWith("wide-")) {
        wide++;
      }
    }
    assertThat(wide).as("channels stored by the wide batches").isEqualTo(100_000);
    assertThat(admin.get("/api/v1/channels/wide-99999").path("sampleCount").asLong()).isEqualTo(1);
  }

  // ---- WebSocket ----

  @Test
  @DisplayName("binary and garbage WebSocket frames get error frames, the connection keeps serving, and nothing reaches storage")
  void garbageFrames() {
    try (LiveConnection live = LiveConnection.open(vertx, server, ADMIN)) {
      live.sendBinary(new byte[] {1, 2, 3, (byte) 0xff});
      assertFrameError(live.await(f -> true), "invalid_request", "a binary frame");
      live.send("{\"type\":\"ingest\",\"samples\":[" + badSample(8));
      assertFrameError(live.await(f -> true), "invalid_json", "a cut JSON frame");
      live.send("[1,2,3]");
      assertFrameError(live.await(f -> true), "invalid_request", "an array frame");
      live.send("{\"type\":\"launch-missiles\",\"id\":\"g1\"}");
      assertFrameError(live.await(f -> true), "invalid_request", "an unknown frame type");
      JsonNode bad = live.request("g2", "{\"type\":\"ingest\",\"id\":\"g2\",\"samples\":[" + badSample(9)
          + ",{\"channelId\":\"bad-10\",\"timestamp\":\"now\",\"success\":1}]}");
      assertFrameError(bad, "invalid_sample", "an ingest frame with a wrongly typed sample");
      assertThat(bad.path("id").asText()).isEqualTo("g2");
      JsonNode big = live.request("g3", "{\"type\":\"ingest\",\"id\":\"g3\",\"samples\":["
          + IntStream.range(0, 10_001).mapToObj(HostileClientTest::badSample).collect(Collectors.joining(",")) + "]}");
      assertFrameError(big, "too_large", "an ingest frame of 10,001 samples");
      assertFrameError(live.request("g4", "{\"type\":\"query\",\"id\":\"g4\",\"query\":\"samples\",\"channelId\":\"good\",\"limit\":\"many\"}"),
          "invalid_request", "a query with a text limit");
      JsonNode still = live.request("q", "{\"type\":\"query\",\"id\":\"q\",\"query\":\"channel\",\"channelId\":\"good\"}");
      assertThat(still.path("type").asText()).as("answer to a query after the garbage: %s", still).isEqualTo("result");
      assertThat(live.isClosed()).isFalse();
    }
  }

  @Test
  @DisplayName("a WebSocket frame over the body limit closes only that connection")
  void oversizedFrame() {
    try (LiveConnection live = LiveConnection.open(vertx, server, ADMIN)) {
      try {
        live.send("{\"type\":\"ingest\",\"id\":\"huge\",\"samples\":[" + IntStream.range(0, MAX_BODY / 60)
            .mapToObj(HostileClientTest::badSample).collect(Collectors.joining(",")) + "]}");
      } catch (IllegalStateException e) {
        // the server closed the connection while the frame was still being written
      }
      // 1009 (message too big) when the close frame arrives before the connection drops; 1006 when
      // the server's reset (it closes with part of the frame unread) discards the close frame
      assertThat(live.awaitClosed(Duration.ofSeconds(10))).as("close code after a frame over the limit").isIn((short) 1009, (short) 1006);
    }
    try (LiveConnection other = LiveConnection.open(vertx, server, READ)) {
      JsonNode answer = other.request("q", "{\"type\":\"query\",\"id\":\"q\",\"query\":\"channel\",\"channelId\":\"good\"}");
      assertThat(answer.path("type").asText()).isEqualTo("result");
    }
  }

  private static void assertFrameError(JsonNode frame, String code, String what) {
    assertThat(frame.path("type").asText()).as("answer to %s: %s", what, frame).isEqualTo("error");
    assertThat(frame.path("error").path("code").asText()).as("error code for %s", what).isEqualTo(code);
  }

  // ---- auth ----

  /** One route of each kind, with the role it needs and a body that would be accepted. */
  private record Route(String method, String path, String body, String role) {}

  private static final List<Route> ROUTES = List.of(
      new Route("POST", "/api/v1/samples", "[" + HttpApi.sample("bad-auth", 1_764_000_000_000L, true, 1, null) + "]", "ingest"),
      new Route("GET", "/api/v1/channels", null, "read"),
      new Route("GET", "/api/v1/channels/good", null, "read"),
      new Route("GET", "/api/v1/channels/good/samples", null, "read"),
      new Route("GET", "/api/v1/channels/good/stats", null, "read"),
      new Route("GET", "/api/v1/outages", null, "read"),
      new Route("GET", "/api/v1/outages/01J0000000000000000000000", null, "read"),
      new Route("GET", "/api/v1/watches/current", null, "read"),
      new Route("GET", "/api/v1/watches", null, "read"),
      new Route("GET", "/api/v1/custom/bad-key", null, "read"),
      new Route("GET", "/metrics", null, "read"),
      new Route("DELETE", "/api/v1/channels/good", null, "admin"),
      new Route("POST", "/api/v1/watches", "{\"durationMs\":60000,\"channels\":[\"bad-watch\"]}", "admin"),
      new Route("POST", "/api/v1/watches/current/stop", null, "admin"),
      new Route("PUT", "/api/v1/custom/bad-key", "{\"x\":1}", "admin"),
      new Route("DELETE", "/api/v1/custom/bad-key", null, "admin"));

  @Test
  @DisplayName("every route answers 401 without a token or with an unknown one, and 403 to a token without the role")
  void httpAuth() {
    for (Route route : ROUTES) {
      List<String> refused = new ArrayList<>(List.of("ingest", "read"));
      refused.remove(route.role());
      Collections.addAll(refused, (String) null, "unknown");
      for (String who : refused) {
        String token = who == null ? null : switch (who) {
          case "ingest" -> INGEST;
          case "read" -> READ;
          default -> "not-a-token-at-all";
        };
        HttpApi.Response r = new HttpApi(server, token).call(route.method(), route.path(),
            route.body() == null ? null : "application/json",
            route.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(route.body()));
        boolean unauthorized = who == null || who.equals("unknown");
        String what = route.method() + " " + route.path() + " with " + (who == null ? "no" : who) + " token";
        assertError(r, unauthorized ? 401 : 403, unauthorized ? "unauthorized" : "forbidden", what);
        if (unauthorized) {
          assertThat(r.raw().headers().firstValue("WWW-Authenticate")).as("WWW-Authenticate of %s", what).hasValue("Bearer");
        }
      }
    }
    assertThat(admin.call("GET", "/api/v1/watches/current", null, HttpRequest.BodyPublishers.noBody()).status())
        .as("no watch was started by a refused request").isEqualTo(404);
    assertThat(admin.get("/api/v1/channels/good").path("sampleCount").asLong()).as("the channel a refused DELETE named").isPositive();
    assertThat(new HttpApi(server).call("GET", "/health/ready", null, HttpRequest.BodyPublishers.noBody()).status())
        .as("/health/ready needs no token").isEqualTo(200);
  }

  @Test
  @DisplayName("WebSocket: an unknown token is refused at the upgrade or closed with 1008, and roles are enforced per frame")
  void webSocketAuth() {
    assertThat(LiveConnection.connect(vertx, server, "not-a-token-at-all").toCompletionStage().toCompletableFuture()
        .handle((ok, e) -> e == null ? "upgraded" : e.getMessage()).join()).as("upgrade with an unknown token").contains("401");

    try (LiveConnection anonymous = LiveConnection.open(vertx, server, null)) {
      assertFrameError(anonymous.request("s", "{\"type\":\"subscribe\",\"id\":\"s\",\"channels\":\"*\"}"), "unauthorized",
          "a subscribe before auth");
      assertFrameError(anonymous.request("i", "{\"type\":\"ingest\",\"id\":\"i\",\"samples\":[" + badSample(11) + "]}"),
          "unauthorized", "an ingest before auth");
      assertFrameError(anonymous.request("a", "{\"type\":\"auth\",\"id\":\"a\",\"token\":\"nope\"}"), "unauthorized", "an unknown token");
      assertThat(anonymous.awaitClosed(Duration.ofSeconds(5))).as("close code after an unknown token").isEqualTo((short) 1008);
    }
    try (LiveConnection reader = LiveConnection.open(vertx, server, null)) {
      JsonNode auth = reader.request("a", "{\"type\":\"auth\",\"id\":\"a\",\"token\":\"" + READ + "\"}");
      assertThat(auth.path("type").asText()).isEqualTo("authenticated");
      assertFrameError(reader.request("i", "{\"type\":\"ingest\",\"id\":\"i\",\"samples\":[" + badSample(12) + "]}"),
          "forbidden", "an ingest with a read token");
      assertThat(reader.request("s", "{\"type\":\"subscribe\",\"id\":\"s\",\"channels\":[\"good\"]}").path("type").asText())
          .isEqualTo("subscribed");
    }
    try (LiveConnection probe = LiveConnection.open(vertx, server, INGEST)) {
      assertFrameError(probe.request("s", "{\"type\":\"subscribe\",\"id\":\"s\",\"channels\":\"*\"}"), "forbidden",
          "a subscribe with an ingest token");
      assertFrameError(probe.request("q", "{\"type\":\"query\",\"id\":\"q\",\"query\":\"channels\"}"), "forbidden",
          "a query with an ingest token");
    }
    try (LiveConnection silent = LiveConnection.open(vertx, server, null)) {
      assertThat(silent.awaitClosed(Duration.ofSeconds(10))).as("close code without auth within 5 s").isEqualTo((short) 1008);
    }
  }
}
