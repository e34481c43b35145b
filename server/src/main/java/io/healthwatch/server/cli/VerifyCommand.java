package io.healthwatch.server.cli;

import io.healthwatch.server.config.Setting;
import io.healthwatch.storage.disk.DiskStore;
import io.healthwatch.storage.disk.VerifyReport;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verify}: checks every checksum, index and snapshot of a disk store, read-only. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Checks every checksum, index and snapshot of a disk store without changing anything "
        + "(also while a server runs on it).", "Exit 0 only if all is sound, 1 if anything is damaged, 2 on bad input."})
public class VerifyCommand extends OperatorCommand {
  @Option(names = "--data-dir", paramLabel = "DIR", description = "disk store directory (HEALTHWATCH_DATA_DIR, default ./data)")
  String dataDir;

  public VerifyCommand() {
    this(System.getenv());
  }

  public VerifyCommand(Map<String, String> env) {
    super(env);
  }

  @Override
  int run(Vertx vertx) throws Exception {
    String dirText = dataDir != null ? dataDir
        : env.getOrDefault(Setting.DATA_DIR.env(), Setting.DATA_DIR.defaultValue());
    Path dir = Path.of(dirText);
    if (!Files.isDirectory(dir)) {
      throw CommandFailure.badInput("no data directory " + dir.toAbsolutePath().normalize());
    }
    Progress[] progress = {null};
    long[] counted = {0};
    VerifyReport report = DiskStore.verify(dir, (done, total) -> {
      if (progress[0] == null) {
        progress[0] = new Progress(err(), "verify", "bytes", total);
      }
      progress[0].add(done - counted[0]);
      counted[0] = done;
    });
    if (progress[0] != null) {
      progress[0].finish();
    }
    out().println("verify " + report.dataDir());
    for (VerifyReport.Check c : report.checks()) {
      out().printf(Locale.ROOT, "  %-8s %s: %s%n", c.status(), c.file(), c.detail());
    }
    out().printf(Locale.ROOT, "%s: %d files checked, %d sound, %d notes, %d damaged%n",
        report.sound() ? "SOUND" : "DAMAGED", report.checks().size(), report.count(VerifyReport.Status.OK),
        report.count(VerifyReport.Status.NOTE), report.count(VerifyReport.Status.DAMAGED));
    return report.sound() ? 0 : CommandFailure.FAILED;
  }
}
