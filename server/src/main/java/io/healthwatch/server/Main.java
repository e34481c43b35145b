package io.healthwatch.server;

import io.healthwatch.server.cli.BackupCommand;
import io.healthwatch.server.cli.ClassDataTrainingCommand;
import io.healthwatch.server.cli.ImportLegacyCommand;
import io.healthwatch.server.cli.Logging;
import io.healthwatch.server.cli.MigrateCommand;
import io.healthwatch.server.cli.RestoreCommand;
import io.healthwatch.server.cli.ServeCommand;
import io.healthwatch.server.cli.ServeOptions;
import io.healthwatch.server.cli.VerifyCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The {@code healthwatch} executable. {@code serve} is the default: {@code healthwatch --port 9000}
 * is the same as {@code healthwatch serve --port 9000}.
 */
@Command(name = "healthwatch", mixinStandardHelpOptions = true, version = "healthwatch 0.1.0",
    description = "Stores and serves health-monitoring results.",
    subcommands = {ServeCommand.class, VerifyCommand.class, BackupCommand.class, RestoreCommand.class,
        MigrateCommand.class, ImportLegacyCommand.class, ClassDataTrainingCommand.class})
public final class Main implements Callable<Integer> {
  @Mixin
  ServeOptions options = new ServeOptions();

  @Override
  public Integer call() {
    return new ServeCommand().withOptions(options).call();
  }

  public static void main(String[] args) {
    Logging.routeVertxToSlf4j();
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
