package io.healthwatch.server.cli;

import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/** Logging set-up shared by the commands. */
public final class Logging {
  private Logging() {}

  /** Routes Vert.x's own logging through SLF4J (and so logback); call before Vert.x is used. */
  public static void routeVertxToSlf4j() {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
  }

  /** Writes out buffered log lines; before the process halts. */
  public static void flush() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof ch.qos.logback.classic.LoggerContext context) {
      context.stop();
    }
  }
}
