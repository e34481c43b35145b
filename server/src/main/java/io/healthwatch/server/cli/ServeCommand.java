package io.healthwatch.server.cli;

import io.healthwatch.server.HealthWatchServer;
import io.healthwatch.server.config.ConfigException;
import io.healthwatch.server.config.ConfigResolver;
import io.healthwatch.server.config.ServerConfig;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code serve}: resolves the configuration, starts the server and keeps it running until
 * SIGTERM (or Ctrl-C), then shuts it down gracefully and exits 0.
 */
@Command(name = "serve", description = "Runs the server (the default command).", mixinStandardHelpOptions = true)
public class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);
  /** Exit code of a setting the server cannot start with. */
  public static final int EXIT_BAD_SETTING = 2;
  public static final int EXIT_FAILED = 1;

  @Mixin
  ServeOptions options = new ServeOptions();

  private final Map<String, String> env;

  public ServeCommand() {
    this(System.getenv());
  }

  public ServeCommand(Map<String, String> env) {
    this.env = env;
  }

  public ServeCommand withOptions(ServeOptions options) {
    this.options = options;
    return this;
  }

  @Override
  public Integer call() {
    ServerConfig config;
    try {
      config = ConfigResolver.resolve(options.flags(), options.configFile(), env);
    } catch (ConfigException e) {
      System.err.println("healthwatch: " + e.getMessage());
      return EXIT_BAD_SETTING;
    }
    LOG.info("effective configuration: {}", String.join(", ", config.describe()));
    if (config.tokens().isEmpty()) {
      LOG.warn("no tokens configured: the API is open to every local user; it listens on loopback ({}) only", config.host());
    }
    HealthWatchServer server;
    try {
      server = HealthWatchServer.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ConfigException ce) {
        System.err.println("healthwatch: " + ce.getMessage());
        return EXIT_BAD_SETTING;
      }
      System.err.println("healthwatch: cannot start: " + e.getCause().getMessage());
      return EXIT_FAILED;
    } catch (InterruptedException | TimeoutException e) {
      System.err.println("healthwatch: cannot start: " + e);
      return EXIT_FAILED;
    }
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(server, config, stopped), "healthwatch-shutdown"));
    stopped.join();
    return 0;
  }

  private static void shutdown(HealthWatchServer server, ServerConfig config, CompletableFuture<Void> stopped) {
    LOG.info("shutting down: no new connections, finishing requests in flight");
    int code = 0;
    try {
      server.stop().toCompletionStage().toCompletableFuture().get(config.shutdownTimeoutMs() - 500, TimeUnit.MILLISECONDS);
      LOG.info("stopped");
    } catch (Exception e) {
      LOG.error("shutdown did not complete cleanly: {}", e.toString());
      code = EXIT_FAILED;
    }
    stopped.complete(null);
    Logging.flush();
    // A JVM ended by a signal exits 143; a clean shutdown exits 0 as OPERATIONS.md says.
    Runtime.getRuntime().halt(code);
  }
}
