package io.healthwatch.server.cli;

import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreDump;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code restore --from FILE}: checks the whole archive, then writes it into an empty store of
 * either backend and checks the store against the archive's digest.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
    description = {"Restores an archive written by backup into an EMPTY disk or MySQL store.",
        "The whole archive is checked before anything is written; the store is checked against it after.",
        "Exit 0 when restored and verified, 1 on a damaged archive or a failure, 2 on bad input (or a store that is not empty)."})
public class RestoreCommand extends OperatorCommand {
  @Option(names = "--from", paramLabel = "FILE", required = true, description = "the archive to restore")
  Path from;

  @Mixin
  StorageOptions storage = new StorageOptions();

  public RestoreCommand() {
    this(System.getenv());
  }

  public RestoreCommand(Map<String, String> env) {
    super(env);
  }

  @Override
  int run(Vertx vertx) throws Exception {
    StoreLocation target = storage.resolve(env);
    if (!Files.isRegularFile(from)) {
      throw CommandFailure.badInput("no archive " + from);
    }
    BackupArchive.Summary summary;
    try {
      summary = BackupArchive.read(from, null);
    } catch (BackupArchive.Damaged e) {
      throw CommandFailure.failed("archive " + from + " " + e.getMessage() + "; nothing was restored");
    }
    err().println("restore: archive " + from + " is sound: " + summary.records() + " records, " + summary.counts());
    requireEmpty(vertx, target, "restore only into an empty store");

    HealthStore store = await(target.open(vertx));
    StoreCopy.Restorer restorer = new StoreCopy.Restorer(store);
    Progress progress = new Progress(err(), "restore", "samples", summary.counts().getOrDefault("samples", 0L));
    try {
      BackupArchive.read(from, e -> {
        switch (e.type()) {
          case "custom" -> restorer.custom(e.custom());
          case "watch" -> restorer.watches(List.of(e.watch()));
          case "outage" -> restorer.outages(List.of(e.outage()));
          case "channel" -> restorer.channel(e.channel());
          case "samples" -> {
            restorer.samples(e.channelId(), e.samples());
            progress.add(e.samples().size());
          }
          default -> throw new IllegalStateException("unknown record type " + e.type());
        }
      });
      audit(store, AuditRecord.RESTORE, target.describe(), "from " + from.toAbsolutePath().normalize() + ": "
          + summary.counts());
    } catch (BackupArchive.Damaged e) {
      throw CommandFailure.failed("archive " + from + " changed while it was restored: " + e.getMessage());
    } finally {
      await(store.close());
    }
    progress.finish();
    StoreCopy.Digest restored = digestOf(vertx, target);
    if (!restored.value().equals(summary.contentDigest())) {
      throw CommandFailure.failed("the " + target.describe() + " does not hold what the archive holds: "
          + String.join("; ", differences(summary, restored)));
    }
    out().println("restored " + from + " into the " + target.describe());
    out().println("  " + restored.counts() + ", verified against the archive's digest");
    return 0;
  }

  private List<String> differences(BackupArchive.Summary summary, StoreCopy.Digest restored) {
    return summary.counts().entrySet().stream()
        .filter(e -> !e.getValue().equals(restored.counts().get(e.getKey())))
        .map(e -> e.getKey() + ": " + e.getValue() + " in the archive, " + restored.counts().get(e.getKey()) + " stored")
        .toList();
  }

  static StoreCopy.Digest digestOf(Vertx vertx, StoreLocation location) {
    StoreDump dump = await(location.dump(vertx));
    try {
      return StoreCopy.Digest.of(dump, new Progress(new java.io.PrintWriter(java.io.Writer.nullWriter()), "", "", 0));
    } finally {
      if (dump != null) {
        await(dump.close());
      }
    }
  }

  /** Refuses a store that holds anything. */
  static void requireEmpty(Vertx vertx, StoreLocation target, String hint) {
    StoreDump dump = await(target.dump(vertx));
    if (dump == null) {
      return;
    }
    try {
      long channels = await(dump.channels()).size();
      long outages = await(dump.outages()).size();
      long watches = await(dump.watches()).size();
      long custom = await(dump.custom()).size();
      if (channels + outages + watches + custom > 0) {
        throw CommandFailure.badInput("the " + target.describe() + " is not empty (" + channels + " channels, "
            + outages + " outages, " + watches + " watches, " + custom + " custom values); " + hint);
      }
    } finally {
      await(dump.close());
    }
  }
}
