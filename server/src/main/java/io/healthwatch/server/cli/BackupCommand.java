package io.healthwatch.server.cli;

import io.healthwatch.core.storage.StoreDump;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code backup --to FILE}: a consistent archive of the store named by the storage settings,
 * taken while a server may keep writing to it.
 */
@Command(name = "backup", mixinStandardHelpOptions = true,
    description = {"Writes a consistent archive of a disk or MySQL store (running or stopped) to FILE.",
        "Exit 0 when the archive is complete, 1 on failure, 2 on bad input."})
public class BackupCommand extends OperatorCommand {
  @Option(names = "--to", paramLabel = "FILE", required = true, description = "the archive to write (replaced if it exists)")
  Path to;

  @Mixin
  StorageOptions storage = new StorageOptions();

  public BackupCommand() {
    this(System.getenv());
  }

  public BackupCommand(Map<String, String> env) {
    super(env);
  }

  @Override
  int run(Vertx vertx) throws Exception {
    StoreLocation source = storage.resolve(env);
    Path parent = to.toAbsolutePath().getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw CommandFailure.badInput("cannot write " + to + ": no directory " + parent);
    }
    StoreDump dump = await(source.dump(vertx));
    if (dump == null) {
      throw CommandFailure.badInput("no " + source.describe() + " to back up");
    }
    BackupArchive.Writer writer;
    try {
      writer = new BackupArchive.Writer(to, source.describe(), System.currentTimeMillis());
      try (writer) {
        StoreCopy.copy(dump, writer, new Progress(err(), "backup", "samples", 0), c -> null);
        writer.finish();
      }
    } finally {
      await(dump.close());
    }
    StoreCopy.Digest d = writer.digest();
    out().println("backup of the " + source.describe() + " written to " + to.toAbsolutePath().normalize());
    out().println("  " + d.counts() + ", " + Files.size(to) + " bytes");
    out().println("  content digest " + d.value());
    return 0;
  }
}
