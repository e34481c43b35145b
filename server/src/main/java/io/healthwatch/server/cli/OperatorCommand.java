package io.healthwatch.server.cli;

import io.healthwatch.server.config.ConfigException;
import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.storage.HealthStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every operator command shares: a Vert.x instance for the stores, output to the command
 * line's writers (results on standard output, progress and errors on standard error), and exit
 * codes: 0 done, 1 failed or found damage, 2 bad input.
 */
abstract class OperatorCommand implements Callable<Integer> {
  private static final long STEP_TIMEOUT_MINUTES = 30;

  @Spec
  CommandSpec spec;

  final Map<String, String> env;

  OperatorCommand(Map<String, String> env) {
    this.env = env;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** The command's work; returns its exit code. */
  abstract int run(Vertx vertx) throws Exception;

  @Override
  public Integer call() {
    Vertx vertx = Vertx.vertx();
    try {
      return run(vertx);
    } catch (CommandFailure e) {
      return fail(e.exitCode, e.getMessage());
    } catch (ConfigException e) {
      return fail(CommandFailure.BAD_INPUT, e.getMessage());
    } catch (Exception e) {
      return fail(CommandFailure.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
    } finally {
      await(vertx.close());
      out().flush();
      err().flush();
    }
  }

  private int fail(int code, String message) {
    err().println("healthwatch " + spec.name() + ": " + message);
    return code;
  }

  /**
   * Records the command's change in the store's audit trail, once its work is done. The actor is
   * the operating-system user that ran the command (commands take no token).
   */
  static void audit(HealthStore store, String action, String target, String detail) {
    await(store.audit(new AuditRecord(System.currentTimeMillis(),
        "cli:" + System.getProperty("user.name", "unknown"), action, target, detail)));
  }

  /** Waits for a Future from the command's thread (never an event loop); a failure is rethrown. */
  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(STEP_TIMEOUT_MINUTES, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CommandFailure.failed("interrupted");
    } catch (TimeoutException e) {
      throw CommandFailure.failed("a storage operation did not finish within " + STEP_TIMEOUT_MINUTES + " minutes");
    }
  }
}
