package io.healthwatch.server;

import static io.healthwatch.server.TestServer.ADMIN;
import static io.healthwatch.server.TestServer.INGEST;
import static io.healthwatch.server.TestServer.READ;
import static io.healthwatch.server.TestServer.await;
import static io.healthwatch.server.TestServer.errorOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.server.config.ServerConfig;
import io.healthwatch.storage.disk.DiskStore;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/v1/channels/{id}/samples/export} on the disk backend, as a client sees it. */
@ExtendWith(VertxExtension.class)
class ExportTest {
  private static final String PATH = "/api/v1/channels/big/samples/export";

  @TempDir
  Path dir;
  private TestServer server;
  private final AtomicInteger pageQueries = new AtomicInteger();

  private void start(Vertx vertx) {
    ServerConfig config = TestServer.config().storage(ServerConfig.Backend.DISK).dataDir(dir);
    server = TestServer.wrap(vertx, await(HealthWatchServer.start(config, (v, c) -> DiskStore.open(v,
        new DiskStoreOptions().setDataDir(dir).setStoreOptions(c.storeOptions())).map(this::counting))));
  }

  /** The store, counting the window queries of exports (pages of {@link SampleQuery#MAX_LIMIT}). */
  private HealthStore counting(HealthStore real) {
    return Stores.replacing(real, "samples", args -> {
      SampleQuery q = (SampleQuery) args[1];
      if (q.limit() == SampleQuery.MAX_LIMIT) {
        pageQueries.incrementAndGet();
      }
      return real.samples((String) args[0], q);
    });
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /**
   * Stores {@code count} samples of channel "big" from two probes (ties on every timestamp) in the
   * data directory before the server starts (ingestion over HTTP is tested elsewhere), then starts
   * the server on it.
   */
  private List<Sample> storeAndStart(Vertx vertx, long base, int count) {
    List<Sample> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long t = base + i / 2;
      String probe = i % 2 == 0 ? "p-b" : "p-a";
      boolean ok = i % 11 != 0;
      all.add(new Sample("big", t, ok, ok ? (long) (i % 500) : null, ok ? null : Reason.HTTP, i % 7 == 0 ? "n" + i : null, probe));
    }
    HealthStore store = await(DiskStore.open(vertx, new DiskStoreOptions().setDataDir(dir)
        .setStoreOptions(TestServer.config().storeOptions())));
    for (int from = 0; from < count; from += 10_000) {
      await(store.ingest(all.subList(from, Math.min(count, from + 10_000))));
    }
    await(store.close());
    start(vertx);
    return all.stream().sorted(SampleQuery.TIME_ORDER).toList();
  }

  /** One CRLF-terminated line of an HTTP/1.1 response, without the CRLF. */
  private static String headerLine(InputStream in) throws java.io.IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new java.io.EOFException("the response ended early after '" + b + "'");
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  private static List<String> lines(List<Sample> samples) {
    return samples.stream().map(Json::toApiJson).toList();
  }

  private static List<String> bodyLines(HttpResponse<Buffer> r) {
    String body = r.bodyAsString();
    if (body == null || body.isEmpty()) {
      return List.of();
    }
    assertThat(body).endsWith("\n");
    return List.of(body.substring(0, body.length() - 1).split("\n", -1));
  }

  @Test
  @DisplayName("a window of many pages comes as NDJSON, one sample per line in the API's shape, oldest first, each once")
  void wholeWindow(Vertx vertx) {
    long base = TestServer.now() - 3_600_000;
    List<Sample> expected = storeAndStart(vertx, base, 25_001);
    HttpResponse<Buffer> r = server.get(PATH, READ);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).isEqualTo("application/x-ndjson");
    assertThat(bodyLines(r)).containsExactlyElementsOf(lines(expected));
    assertThat(pageQueries.get()).isEqualTo(3);

    long from = base + 1_000;
    long to = base + 7_000;
    HttpResponse<Buffer> window = server.get(PATH + "?from=" + from + "&to=" + to, ADMIN);
    assertThat(bodyLines(window)).containsExactlyElementsOf(
        lines(expected.stream().filter(s -> s.timestamp() >= from && s.timestamp() < to).toList()));
    HttpResponse<Buffer> onlyFrom = server.get(PATH + "?from=" + (base + 12_500), READ);
    assertThat(bodyLines(onlyFrom)).containsExactly(Json.toApiJson(expected.get(expected.size() - 1)));
    HttpResponse<Buffer> empty = server.get(PATH + "?from=" + to + "&to=" + to, READ);
    assertThat(empty.statusCode()).isEqualTo(200);
    assertThat(bodyLines(empty)).isEmpty();
  }

  @Test
  @DisplayName("an unknown channel is 404, bad parameters are invalid_request, and the read role is needed")
  void errors(Vertx vertx) {
    storeAndStart(vertx, TestServer.now() - 60_000, 10);
    HttpResponse<Buffer> unknown = server.get("/api/v1/channels/nope/samples/export", READ);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(errorOf(unknown).getString("code")).isEqualTo("not_found");
    assertThat(errorOf(server.get("/api/v1/channels/bad%20id/samples/export", READ)).getString("code"))
        .isEqualTo("invalid_request");
    for (String bad : List.of("?from=abc", "?to=x", "?from=10&to=5", "?from=1.5")) {
      HttpResponse<Buffer> r = server.get(PATH + bad, READ);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.getHeader("Content-Type")).startsWith("application/json");
      assertThat(errorOf(r).getString("code")).as(bad).isEqualTo("invalid_request");
    }
    assertThat(server.get(PATH, null).statusCode()).isEqualTo(401);
    assertThat(server.get(PATH, INGEST).statusCode()).isEqualTo(403);
    assertThat(server.get(PATH, READ).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a client that stops reading stops the reading from the store, the server keeps serving others, and the client gets everything once it reads")
  void slowClient(Vertx vertx) throws Exception {
    long base = TestServer.now() - 3_600_000;
    int count = 300_000;
    List<Sample> expected = storeAndStart(vertx, base, count);
    int pages = count / SampleQuery.MAX_LIMIT + 1;

    // A plain socket with a small receive buffer that reads nothing until told to.
    try (Socket socket = new Socket()) {
      socket.setReceiveBufferSize(16 * 1024);
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
      socket.getOutputStream().write(("GET " + PATH + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + READ
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      slowClientReads(socket.getInputStream(), expected, count, pages, base);
    }
  }

  private void slowClientReads(InputStream raw, List<Sample> expected, int count, int pages, long base) throws Exception {
    // The client reads nothing: the export stops asking the store for pages.
    int seen = -1;
    int stable = 0;
    for (int i = 0; i < 100 && stable < 4; i++) {
      int now = pageQueries.get();
      stable = now == seen ? stable + 1 : 0;
      seen = now;
      Thread.sleep(300);
    }
    int whileStalled = pageQueries.get();
    System.out.println("pages read while the client reads nothing: " + whileStalled + " of " + pages);
    assertThat(whileStalled).as("pages read while the client reads nothing").isLessThan(pages / 2);

    // Others are served meanwhile, including another export.
    assertThat(server.get("/api/v1/channels/big", READ).statusCode()).isEqualTo(200);
    assertThat(bodyLines(server.get(PATH + "?from=" + base + "&to=" + (base + 3), READ))).hasSize(6);

    // Once it reads, every line arrives, in order.
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    assertThat(headerLine(in)).isEqualTo("HTTP/1.1 200 OK");
    List<String> headers = new ArrayList<>();
    for (String h = headerLine(in); !h.isEmpty(); h = headerLine(in)) {
      headers.add(h.toLowerCase(java.util.Locale.ROOT));
    }
    assertThat(headers).contains("content-type: application/x-ndjson", "transfer-encoding: chunked");
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    int n = 0;
    for (int size = Integer.parseInt(headerLine(in), 16); size > 0; size = Integer.parseInt(headerLine(in), 16)) {
      body.write(in.readNBytes(size));
      assertThat(headerLine(in)).isEmpty();
      String text = body.toString(StandardCharsets.UTF_8);
      int last = text.lastIndexOf('\n');
      if (last >= 0) {
        for (String line : text.substring(0, last).split("\n", -1)) {
          assertThat(line).isEqualTo(Json.toApiJson(expected.get(n)));
          n++;
        }
        body.reset();
        body.write(text.substring(last + 1).getBytes(StandardCharsets.UTF_8));
      }
    }
    assertThat(body.size()).isZero();
    assertThat(n).isEqualTo(count);
  }
}
