package io.healthwatch.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The packaged server ({@code server/target/healthwatch.jar}) running as a separate process, as
 * users run it. Output goes to a log file under {@code target/server-logs}.
 *
 * <pre>{@code
 * try (ServerProcess server = ServerProcess.builder().args("--storage", "memory").start()) {
 *   server.baseUri();      // http://127.0.0.1:<free port>/
 *   server.stop();         // SIGTERM, then wait
 *   server.restart();      // same port, same arguments
 * }
 * }</pre>
 */
public final class ServerProcess implements AutoCloseable {

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  /** Where the server reads its settings from the environment; only the test's own reach it. */
  private static final String SETTINGS_PREFIX = "HEALTHWATCH_";
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

  private final List<String> command;
  private final Map<String, String> env;
  private final int port;
  private final Path log;
  private final Duration startTimeout;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
  private Process process;

  private ServerProcess(List<String> command, Map<String, String> env, int port, Path log, Duration startTimeout) {
    this.command = command;
    this.env = env;
    this.port = port;
    this.log = log;
    this.startTimeout = startTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The packaged jar, from the {@code healthwatch.jar} system property set by the build. */
  public static Path jar() {
    String configured = System.getProperty("healthwatch.jar", "../server/target/healthwatch.jar");
    Path jar = Path.of(configured).toAbsolutePath().normalize();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("The packaged server " + jar + " is missing: build it with "
          + "mvn -pl integration-tests -am verify (the server module packages it)");
    }
    return jar;
  }

  /** The module's build directory ({@code target}), where logs and screenshots go. */
  public static Path targetDir() {
    return Path.of(System.getProperty("healthwatch.test.dir", "target")).toAbsolutePath().normalize();
  }

  /** A port that was free a moment ago on the loopback interface. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** {@code http://127.0.0.1:<port>/}. */
  public URI baseUri() {
    return URI.create("http://127.0.0.1:" + port + "/");
  }

  public URI uri(String path) {
    return baseUri().resolve(path.startsWith("/") ? path.substring(1) : path);
  }

  public Path log() {
    return log;
  }

  /** The operating system's id of the running process. */
  public long pid() {
    return process.pid();
  }

  /** Waits until {@code /health/ready} answers 200 (storage takes writes); fails after {@code timeout}. */
  public void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    HttpRequest request = HttpRequest.newBuilder(uri("/health/ready")).timeout(Duration.ofSeconds(2)).build();
    while (System.nanoTime() < deadline) {
      try {
        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the server", e);
      }
      pause(20);
    }
    throw new IllegalStateException("The server was not ready within " + timeout + "; its output:\n" + logTail());
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Starts the process (again) with the same arguments and port, and waits until it is live. */
  public ServerProcess restart() {
    if (isAlive()) {
      stop();
    }
    return launch();
  }

  private ServerProcess launch() {
    try {
      Files.createDirectories(log.getParent());
      // the first start of this instance replaces a log left by an earlier build; a restart appends
      Files.writeString(log, "=== start " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, process == null ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND);
      ProcessBuilder pb = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().keySet().removeIf(k -> k.startsWith(SETTINGS_PREFIX));
      pb.environment().putAll(env);
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    awaitLive();
    return this;
  }

  private void awaitLive() {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    HttpRequest request = HttpRequest.newBuilder(uri("/health/live")).timeout(Duration.ofSeconds(2)).build();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("The server exited with " + process.exitValue()
            + " before answering /health/live; its output:\n" + logTail());
      }
      try {
        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (ConnectException e) {
        // not listening yet
      } catch (IOException e) {
        // starting up
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the server", e);
      }
      pause(25);
    }
    kill();
    throw new IllegalStateException("The server did not answer /health/live within " + startTimeout
        + "; its output:\n" + logTail());
  }

  /** Asks the server to stop (SIGTERM) and waits for it; kills it if it does not exit in time. */
  public int stop() {
    if (process == null) {
      return -1;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
        throw new IllegalStateException("The server did not exit within " + STOP_TIMEOUT + " of SIGTERM");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
    return process.exitValue();
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  public void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The last lines the server wrote, for failure messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    if (isAlive()) {
      try {
        stop();
      } catch (IllegalStateException e) {
        kill();
      }
    }
  }

  /** Sleeps; an interruption fails the caller. */
  public static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** How to start a server: arguments after {@code serve}, environment, port, log name. */
  public static final class Builder {
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>(List.of("-Xmx256m"));
    private int port;
    private boolean portByEnvironment;
    private Duration startTimeout = START_TIMEOUT;
    private String name = "server";

    /** Arguments after {@code serve}; {@code --port} is added unless given here. */
    public Builder args(String... more) {
      args.addAll(List.of(more));
      return this;
    }

    public Builder env(String name, String value) {
      env.put(name, value);
      return this;
    }

    public Builder jvmArgs(String... more) {
      jvmArgs.addAll(List.of(more));
      return this;
    }

    public Builder port(int value) {
      port = value;
      return this;
    }

    /** Gives the port as {@code HEALTHWATCH_PORT} instead of {@code --port}, as a container does. */
    public Builder portByEnvironment() {
      portByEnvironment = true;
      return this;
    }

    /** How long a start may take until {@code /health/live} answers (60 s unless given). */
    public Builder startTimeout(Duration value) {
      startTimeout = value;
      return this;
    }

    /** Names the log file {@code target/server-logs/<name>-<n>.log}. */
    public Builder name(String value) {
      name = value;
      return this;
    }

    public ServerProcess start() {
      int given = args.indexOf("--port");
      int chosen = given >= 0 ? Integer.parseInt(args.get(given + 1)) : port > 0 ? port : freePort();
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      // as README's start command: the class-data archive the build made beside the jar
      Path archive = jar().resolveSibling("healthwatch.jsa");
      if (Files.isRegularFile(archive)) {
        command.add("-XX:SharedArchiveFile=" + archive);
      }
      command.addAll(jvmArgs);
      command.add("-jar");
      command.add(jar().toString());
      command.add("serve");
      command.addAll(args);
      if (portByEnvironment) {
        env.put("HEALTHWATCH_PORT", Integer.toString(chosen));
      } else if (given < 0) {
        command.add("--port");
        command.add(Integer.toString(chosen));
      }
      Path log = targetDir().resolve("server-logs")
          .resolve(name + "-" + COUNTER.incrementAndGet() + ".log");
      return new ServerProcess(List.copyOf(command), Map.copyOf(env), chosen, log, startTimeout).launch();
    }
  }
}
