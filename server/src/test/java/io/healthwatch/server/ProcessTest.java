package io.healthwatch.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The server as an operator runs it: a separate JVM, configured by flags and environment, stopped by SIGTERM. */
class ProcessTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http:(?:\\\\?/){2}127\\.0\\.0\\.1:(\\d+)");

  @TempDir
  Path dir;

  private static Process launch(Map<String, String> env, String... args) throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // the production logging set-up, not the tests' logback-test.xml
        "-Xmx256m", "-Dlogback.configurationFile=logback.xml", "-cp", classpath, Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("HEALTHWATCH_"));
    pb.environment().putAll(env);
    return pb.start();
  }

  /** Collects a stream's lines in the background. */
  private static CompletableFuture<List<String>> lines(java.io.InputStream in, List<String> sink) {
    return CompletableFuture.supplyAsync(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          synchronized (sink) {
            sink.add(line);
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      return sink;
    });
  }

  private static int awaitPort(List<String> out, Process p) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline && p.isAlive()) {
      synchronized (out) {
        for (String line : out) {
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            return Integer.parseInt(m.group(1));
          }
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the server did not report its port: " + out);
  }

  @Test
  @DisplayName("a bad setting stops the process with one line on stderr and exit code 2")
  void badSetting() throws Exception {
    Process p = launch(Map.of("HEALTHWATCH_STORAGE", "memory"), "--port", "eighty");
    List<String> err = lines(p.getErrorStream(), new ArrayList<>()).get(30, TimeUnit.SECONDS);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(err).containsExactly("healthwatch: bad setting --port (HEALTHWATCH_PORT) from --port: must be an integer, got 'eighty'");
  }

  @Test
  @DisplayName("--cluster with the disk or memory backend stops the process with one line on stderr and exit code 2")
  void clusterNeedsMySql() throws Exception {
    for (String backend : List.of("disk", "memory")) {
      Process p = launch(Map.of("HEALTHWATCH_CLUSTER_MEMBERS", "127.0.0.1:5701", "HEALTHWATCH_DATA_DIR", dir.resolve("data").toString()),
          "serve", "--storage", backend);
      List<String> err = lines(p.getErrorStream(), new ArrayList<>()).get(30, TimeUnit.SECONDS);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isEqualTo(2);
      assertThat(err).containsExactly("healthwatch: bad setting --cluster (HEALTHWATCH_CLUSTER_MEMBERS) from HEALTHWATCH_CLUSTER_MEMBERS: the "
          + backend + " backend is single-node; use --storage mysql to run a cluster");
    }
  }

  @Test
  @DisplayName("a second server on the same data directory exits within 5 s naming it; after kill -9 of the first the directory is free")
  void dataDirectoryInUse() throws Exception {
    Path data = dir.resolve("data");
    Map<String, String> env = Map.of("HEALTHWATCH_DATA_DIR", data.toString());
    Process first = launch(env, "serve", "--port", "0");
    Process second = null;
    Process third = null;
    try {
      List<String> out = new ArrayList<>();
      lines(first.getInputStream(), out);
      awaitPort(out, first);

      second = launch(env, "serve", "--port", "0");
      CompletableFuture<List<String>> err = lines(second.getErrorStream(), new ArrayList<>());
      assertThat(second.waitFor(5, TimeUnit.SECONDS)).as("the second server exits within 5 s").isTrue();
      assertThat(second.exitValue()).isNotZero();
      assertThat(err.get(5, TimeUnit.SECONDS)).singleElement().asString()
          .contains(data.toAbsolutePath().toString()).contains("in use by another process");

      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      third = launch(env, "serve", "--port", "0");
      List<String> thirdOut = new ArrayList<>();
      lines(third.getInputStream(), thirdOut);
      assertThat(awaitPort(thirdOut, third)).isPositive();
    } finally {
      first.destroyForcibly();
      if (second != null) {
        second.destroyForcibly();
      }
      if (third != null) {
        third.destroyForcibly();
      }
    }
  }

  @Test
  @DisabledOnOs(value = OS.WINDOWS, disabledReason = "Windows has no SIGTERM: a process is terminated without shutdown hooks")
  @DisplayName("the server logs JSON lines, answers on its port and exits 0 on SIGTERM")
  void sigterm() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "process-test-token admin\n");
    Process p = launch(Map.of("HEALTHWATCH_STORAGE", "memory", "HEALTHWATCH_LOG_FORMAT", "json",
        "HEALTHWATCH_TOKENS_FILE", tokens.toString()), "--port", "0");
    List<String> out = new ArrayList<>();
    CompletableFuture<List<String>> stdout = lines(p.getInputStream(), out);
    List<String> errors = new ArrayList<>();
    CompletableFuture<List<String>> stderr = lines(p.getErrorStream(), errors);
    try {
      int port = awaitPort(out, p);
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/samples"))
          .header("Authorization", "Bearer process-test-token").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(TestServer.sample("p", System.currentTimeMillis(), true).encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);

      long signalled = System.nanoTime();
      // SIGTERM; unlike Process.destroy() this keeps our ends of the pipes open to read the last lines
      p.toHandle().destroy();
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("exits within 10 s of SIGTERM").isTrue();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled)).isLessThan(10_000);
      assertThat(p.exitValue()).isZero();
      List<String> lines = stdout.get(10, TimeUnit.SECONDS);
      assertThat(lines).isNotEmpty().allSatisfy(line -> new JsonObject(line));
      assertThat(String.join("\n", lines)).as("stderr: %s", stderr.get(10, TimeUnit.SECONDS)).contains("effective configuration").contains("stopped").doesNotContain("process-test-token");
    } finally {
      p.destroyForcibly();
    }
  }
}
