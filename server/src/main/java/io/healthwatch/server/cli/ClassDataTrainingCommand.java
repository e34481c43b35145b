package io.healthwatch.server.cli;

import io.healthwatch.server.HealthWatchServer;
import io.healthwatch.server.config.ConfigResolver;
import io.healthwatch.server.config.ServerConfig;
import io.healthwatch.server.config.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * {@code class-data-training} (hidden): the training run of the class-data archive the build makes
 * ({@code server/target/healthwatch.jsa}, see README "Start-up"). Run with
 * {@code -XX:ArchiveClassesAtExit}, it starts the server on an empty disk store in a temporary
 * directory, sends it what a probe and a dashboard send (HTTP ingest and queries, WebSocket
 * subscribe, ingest and query), stops it, starts it again on the same directory (a start that
 * loads a snapshot and a log) and asks again, so the classes of serving are loaded when the JVM
 * exits and writes the archive. Every answer must be a success: a training run that fails fails
 * the build, so it is also a smoke test of the packaged jar.
 */
@Command(name = "class-data-training", hidden = true,
    description = "Starts the server on a temporary store, exercises the API and exits (build step).")
public class ClassDataTrainingCommand implements Callable<Integer> {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("healthwatch-training");
    try {
      ServerConfig config = ConfigResolver.resolve(
          Map.of(Setting.PORT, "0", Setting.STORAGE, "disk", Setting.DATA_DIR, dir.toString()), null, Map.of());
      HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
      long now = System.currentTimeMillis();
      for (int round = 0; round < 2; round++) {
        HealthWatchServer server = HealthWatchServer.start(config).toCompletionStage().toCompletableFuture()
            .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        try {
          exercise(http, URI.create("http://127.0.0.1:" + server.port()), now + round * 10_000L);
        } finally {
          server.stop().toCompletionStage().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
      }
      System.out.println("class-data training run done");
      return 0;
    } finally {
      deleteTree(dir);
    }
  }

  private static void exercise(HttpClient http, URI base, long at) throws Exception {
    StringBuilder batch = new StringBuilder("[");
    for (int i = 0; i < 10; i++) {
      boolean ok = i < 5;
      batch.append(i == 0 ? "" : ",").append("{\"channelId\":\"training\",\"timestamp\":").append(at + i * 100)
          .append(",\"success\":").append(ok).append(",\"latencyMs\":").append(ok ? 20 + i : "null")
          .append(ok ? "" : ",\"reason\":\"timeout\",\"note\":\"no answer\"").append('}');
    }
    send(http, HttpRequest.newBuilder(base.resolve("/api/v1/samples")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(batch.append(']').toString())));
    for (String path : List.of("/health/ready", "/api/v1/channels", "/api/v1/channels/training",
        "/api/v1/channels/training/samples?limit=1000", "/api/v1/channels/training/stats?from=0&to=" + (at + 60_000),
        "/api/v1/outages?limit=10", "/metrics")) {
      send(http, HttpRequest.newBuilder(base.resolve(path)).GET());
    }
    live(http, base, at + 5_000);
  }

  /** A dashboard's WebSocket: subscribe to everything, ingest one sample, ask for the channels. */
  private static void live(HttpClient http, URI base, long at) throws Exception {
    CompletableFuture<Void> answered = new CompletableFuture<>();
    WebSocket.Listener listener = new WebSocket.Listener() {
      private final StringBuilder frame = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        frame.append(data);
        if (last) {
          String text = frame.toString();
          frame.setLength(0);
          if (text.contains("\"type\":\"error\"")) {
            answered.completeExceptionally(new IllegalStateException("the server answered " + text));
          } else if (text.contains("\"type\":\"result\"")) {
            answered.complete(null);
          }
        }
        ws.request(1);
        return null;
      }
    };
    WebSocket ws = http.newWebSocketBuilder().connectTimeout(TIMEOUT)
        .buildAsync(URI.create("ws://" + base.getAuthority() + "/api/v1/live"), listener)
        .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    ws.sendText("{\"type\":\"subscribe\",\"channels\":\"*\"}", true).join();
    ws.sendText("{\"type\":\"ingest\",\"id\":\"i1\",\"samples\":[{\"channelId\":\"training\",\"timestamp\":" + at
        + ",\"success\":true,\"latencyMs\":12}]}", true).join();
    ws.sendText("{\"type\":\"query\",\"id\":\"q1\",\"query\":\"channels\"}", true).join();
    answered.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").join();
  }

  private static void send(HttpClient http, HttpRequest.Builder request) throws Exception {
    HttpRequest r = request.timeout(TIMEOUT).build();
    HttpResponse<String> response = http.send(r, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(r.method() + " " + r.uri() + " answered " + response.statusCode() + ": "
          + response.body());
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the training directory " + dir, e);
    }
  }
}
