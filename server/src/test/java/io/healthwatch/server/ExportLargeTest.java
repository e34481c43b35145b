package io.healthwatch.server;

import static io.healthwatch.server.TestServer.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.storage.disk.DiskStore;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export far larger than the server's heap: {@code healthwatch.export.samples} samples (1 million
 * by default, 10 million with {@code -Plarge-export}) stored on disk, exported by a server in a
 * child JVM with {@code -Xmx64m}. Every line must arrive, in order, and the server must live on.
 */
class ExportLargeTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
  private static final int BATCH = 10_000;

  @TempDir
  Path dir;

  private static Sample sample(long base, int i) {
    boolean ok = i % 13 != 0;
    return new Sample("big", base + i, ok, ok ? (long) (i % 1_000) : null, ok ? null : Reason.TIMEOUT, null, null);
  }

  private static int samples() {
    String configured = System.getProperty("healthwatch.export.samples", "");
    return configured.isBlank() || configured.startsWith("$") ? 1_000_000 : Integer.parseInt(configured.strip());
  }

  @Test
  @DisplayName("a server with a 64 MB heap exports a window of millions of samples whole, in order, and lives on")
  void millions() throws Exception {
    int count = samples();
    long base = System.currentTimeMillis() - 2 * 86_400_000L;
    Path data = dir.resolve("data");
    fill(data, base, count);

    Path log = dir.resolve("server.log");
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx64m", "-XX:+ExitOnOutOfMemoryError", "-Dlogback.configurationFile=logback.xml", "-cp", classpath,
        Main.class.getName(), "serve", "--storage", "disk", "--data-dir", data.toString(), "--port", "0")
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("HEALTHWATCH_"));
    Process server = pb.start();
    try {
      int port = awaitPort(server, log);
      HttpClient http = HttpClient.newHttpClient();
      long started = System.nanoTime();
      HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/api/v1/channels/big/samples/export")).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
      long lines = 0;
      long bytes = 0;
      try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8), 1 << 16)) {
        String line;
        while ((line = in.readLine()) != null) {
          if (!line.equals(Json.toApiJson(sample(base, (int) lines)))) {
            throw new AssertionError("line " + lines + " is " + line);
          }
          lines++;
          bytes += line.length() + 1;
        }
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      System.out.printf("exported %,d samples (%,d bytes) from a -Xmx64m server in %.1f s: %,.0f samples/s%n",
          lines, bytes, seconds, lines / seconds);
      assertThat(lines).isEqualTo(count);

      assertThat(server.isAlive()).as("the server process is alive").isTrue();
      HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
    } catch (Exception | AssertionError e) {
      throw new AssertionError("export failed; the server's log:\n" + Files.readString(log), e);
    } finally {
      server.destroy();
      if (!server.waitFor(15, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  /** Stores the samples through the disk store itself, a few batches in flight. */
  private static void fill(Path data, long base, int count) {
    Vertx vertx = Vertx.vertx();
    try {
      HealthStore store = await(DiskStore.open(vertx, new DiskStoreOptions().setDataDir(data)
          .setStoreOptions(new StoreOptions())));
      List<Future<?>> inFlight = new ArrayList<>();
      for (int from = 0; from < count; from += BATCH) {
        List<Sample> batch = new ArrayList<>(BATCH);
        for (int i = from; i < Math.min(count, from + BATCH); i++) {
          batch.add(sample(base, i));
        }
        inFlight.add(store.ingest(batch));
        if (inFlight.size() == 4) {
          await(Future.all(inFlight));
          inFlight.clear();
        }
      }
      await(Future.all(inFlight));
      await(store.close());
    } finally {
      await(vertx.close());
    }
  }

  private static int awaitPort(Process p, Path log) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline && p.isAlive()) {
      Matcher m = LISTENING.matcher(Files.exists(log) ? Files.readString(log) : "");
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the server did not report its port: " + Files.readString(log));
  }
}
