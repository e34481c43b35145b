package io.healthwatch.server.cli;

import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreDump;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code migrate --from SRC --to DST}: copies a whole store between backends, resumable, and
 * checks the copy section by section.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
    description = {"Copies everything from one store to another (disk to MySQL, MySQL to disk, or the same backend).",
        "SRC and DST are a data directory or a mysql:// URI (password from HEALTHWATCH_MYSQL_PASSWORD[_FILE]).",
        "An interrupted migration goes on where it stopped with --resume. At the end both stores are read again "
            + "and compared: counts and a checksum of every section.",
        "Exit 0 when copied and verified, 1 on a failure or a mismatch, 2 on bad input."})
public class MigrateCommand extends OperatorCommand {
  @Option(names = "--from", paramLabel = "SRC", required = true, description = "data directory or mysql:// URI to copy from")
  String from;

  @Option(names = "--to", paramLabel = "DST", required = true, description = "data directory or mysql:// URI to copy to")
  String to;

  @Option(names = "--resume", description = "go on with an interrupted migration into DST (which then need not be empty)")
  boolean resume;

  public MigrateCommand() {
    this(System.getenv());
  }

  public MigrateCommand(Map<String, String> env) {
    super(env);
  }

  @Override
  int run(Vertx vertx) {
    StoreLocation source = StoreLocation.parse(from, env);
    StoreLocation target = StoreLocation.parse(to, env);
    if (source.sameAs(target)) {
      throw CommandFailure.badInput("--from and --to name the same store");
    }
    if (!resume) {
      RestoreCommand.requireEmpty(vertx, target,
          "migrate only into an empty store, or go on with an interrupted migration with --resume");
    }
    StoreDump dump = await(source.dump(vertx));
    if (dump == null) {
      throw CommandFailure.badInput("no " + source.describe() + " to migrate");
    }
    HealthStore store;
    try {
      store = await(target.open(vertx));
    } catch (RuntimeException e) {
      await(dump.close());
      throw e;
    }
    StoreCopy.Restorer restorer = new StoreCopy.Restorer(store);
    try {
      StoreCopy.copy(dump, restorer, new Progress(err(), "migrate", "samples", 0),
          channel -> resume ? StoreCopy.newestIn(store, channel) : null);
      audit(store, AuditRecord.MIGRATE, target.describe(), "from the " + source.describe() + ": "
          + restorer.written + " samples written" + (resume ? ", " + restorer.skipped + " already there" : ""));
    } finally {
      await(store.close());
      await(dump.close());
    }
    out().println("copied the " + source.describe() + " to the " + target.describe() + ": " + restorer.written
        + " samples written" + (resume ? ", " + restorer.skipped + " already there" : ""));
    err().println("migrate: verifying: reading both stores again");
    StoreCopy.Digest expected = RestoreCommand.digestOf(vertx, source);
    StoreCopy.Digest actual = RestoreCommand.digestOf(vertx, target);
    List<String> differences = expected.differences(actual);
    if (!differences.isEmpty()) {
      throw CommandFailure.failed("the copy differs from the source: " + String.join("; ", differences)
          + " (a server writing to the source meanwhile also causes this; run again with --resume)");
    }
    out().println("  verified: " + actual.counts() + ", checksums equal");
    return 0;
  }
}
