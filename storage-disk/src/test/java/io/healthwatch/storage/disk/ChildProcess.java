package io.healthwatch.storage.disk;

import io.healthwatch.core.storage.HealthStore;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The other process of the crash and lock tests, run in a child JVM on the test classpath.
 *
 * <ul>
 *   <li>{@code ingest DIR FIRST}: writes batches FIRST, FIRST+1, ... with up to 8 in flight and
 *       prints {@code ACK n} once each is acknowledged, until killed.
 *   <li>{@code open DIR}: tries to open the store; prints {@code OPENED} and waits to be killed, or
 *       {@code FAILED message} and exits with status 3.
 * </ul>
 */
public final class ChildProcess {
  private ChildProcess() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Vertx vertx = Vertx.vertx();
    Path dir = Path.of(args[1]);
    HealthStore store;
    try {
      store = DiskStore.open(vertx, options(dir)).toCompletionStage().toCompletableFuture().get();
    } catch (Exception e) {
      out.println("FAILED " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
      System.exit(3);
      return;
    }
    if (args[0].equals("open")) {
      out.println("OPENED");
      Thread.sleep(Long.MAX_VALUE);
    }
    Semaphore inflight = new Semaphore(8);
    for (int b = Integer.parseInt(args[2]); ; b++) {
      inflight.acquire();
      int id = b;
      store.ingest(PowerLossTest.batch(id)).onComplete(r -> {
        if (r.succeeded()) {
          out.println("ACK " + id);
        } else {
          out.println("ERROR " + id + " " + r.cause().getMessage());
        }
        inflight.release();
      });
    }
  }

  /** Small segments and snapshot intervals, so a child also rolls, checkpoints and compresses segments. */
  static DiskStoreOptions options(Path dir) {
    return TestSupport.options(dir).setSegmentBytes(64 * 1024).setSnapshotIntervalBytes(32 * 1024);
  }

  /** A running child JVM whose output lines are handed to a consumer. */
  static Process start(Consumer<String> lines, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
        ChildProcess.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.accept(line);
        }
      } catch (IOException ignored) {
        // the process was killed
      }
    }, "child-output");
    reader.setDaemon(true);
    reader.start();
    return p;
  }

  static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      throw new AssertionError("child JVM did not die");
    }
  }
}
