package io.healthwatch.server.cli;

import io.healthwatch.core.legacy.LegacyReader;
import io.healthwatch.core.legacy.LegacyReport;
import io.healthwatch.core.legacy.LegacySink;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.RestoreBatch;
import io.healthwatch.core.storage.StorageException;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code import-legacy DIR}: reads the earlier extension's JSON files (LEGACY.md) into the store
 * named by the storage settings, salvaging what damaged files still hold. Samples are ingested, so
 * channel states and outages are derived by the server's own rules; imported outages that the
 * samples do not reproduce are kept as imported. Importing the same directory twice doubles nothing.
 */
@Command(name = "import-legacy", mixinStandardHelpOptions = true,
    description = {"Imports the earlier extension's JSON files (channelStates.json, outages.json, currentWatch.json, "
        + "watchHistory.json, custom_*.json) into a disk or MySQL store; the files are only read.",
        "Prints per file what was imported, skipped as a duplicate, refused as invalid, and how many bytes could not be read.",
        "Exit 0 when imported (also when damaged files were salvaged), 1 on a failure, 2 on bad input."})
public class ImportLegacyCommand extends OperatorCommand {
  private static final int BATCH = io.healthwatch.core.Limits.MAX_BATCH_SAMPLES;

  @Parameters(index = "0", paramLabel = "DIR", description = "the directory of legacy files")
  Path dir;

  @Mixin
  StorageOptions storage = new StorageOptions();

  public ImportLegacyCommand() {
    this(System.getenv());
  }

  public ImportLegacyCommand(Map<String, String> env) {
    super(env);
  }

  /** Per file: records stored and duplicates skipped. */
  private final Map<String, long[]> stored = new LinkedHashMap<>();
  private long contradicted;

  @Override
  int run(Vertx vertx) throws Exception {
    StoreLocation target = storage.resolve(env);
    if (!Files.isDirectory(dir)) {
      throw CommandFailure.badInput("no directory " + dir);
    }
    HealthStore store = await(target.open(vertx));
    LegacyReport report;
    try {
      Collector sink = new Collector(store, new Progress(err(), "import-legacy", "samples", 0));
      report = new LegacyReader(System.currentTimeMillis()).read(dir, sink);
      sink.flush();
      sink.progress.finish();
      importOutages(store, sink.outages);
      long fromHistory = report.files().stream().filter(f -> f.file().equals("watchHistory.json"))
          .mapToLong(LegacyReport.FileReport::records).sum();
      importWatches(store, sink.watches, fromHistory);
      importCustom(store, sink.custom);
      audit(store, AuditRecord.IMPORT, target.describe(), "legacy files of " + dir.toAbsolutePath().normalize()
          + ": " + report.files().stream().mapToLong(LegacyReport.FileReport::records).sum() + " records read");
    } finally {
      await(store.close());
    }
    print(report, target);
    return 0;
  }

  private long[] counts(String file) {
    return stored.computeIfAbsent(file, f -> new long[2]);
  }

  /** Ingests samples in batches, in file order, as they are read. */
  private final class Collector implements LegacySink {
    final HealthStore store;
    final Progress progress;
    final List<Sample> batch = new ArrayList<>(BATCH);
    final List<Outage> outages = new ArrayList<>();
    final List<WatchSession> watches = new ArrayList<>();
    final Map<String, String> custom = new LinkedHashMap<>();

    Collector(HealthStore store, Progress progress) {
      this.store = store;
      this.progress = progress;
    }

    @Override
    public void sample(Sample sample) {
      batch.add(sample);
      if (batch.size() == BATCH) {
        flush();
      }
    }

    void flush() {
      if (batch.isEmpty()) {
        return;
      }
      IngestResult r = await(store.ingest(List.copyOf(batch)));
      long[] c = counts("channelStates.json");
      c[0] += r.accepted();
      c[1] += r.duplicates();
      progress.add(batch.size());
      batch.clear();
    }

    @Override
    public void outage(Outage outage) {
      outages.add(outage);
    }

    @Override
    public void watch(WatchSession watch) {
      watches.add(watch);
    }

    @Override
    public void custom(String key, String json) {
      custom.put(key, json);
    }
  }

  /**
   * An outage already stored under its id, or one the rules derived from the samples (same channel,
   * and the same first failure or confirmation), is a duplicate; any other is kept as imported and
   * counted as contradicted by the samples.
   */
  private void importOutages(HealthStore store, List<Outage> outages) {
    long[] c = counts("outages.json");
    List<Outage> keep = new ArrayList<>();
    for (Outage o : outages) {
      boolean known = await(store.outage(o.id())).isPresent() || await(store.outages(
          new OutageQuery(o.channelId(), 0, Math.max(o.firstFailureAt(), o.confirmedAt()) + 1, null, 10))).stream()
          .anyMatch(d -> d.firstFailureAt() == o.firstFailureAt() || d.confirmedAt() == o.confirmedAt());
      if (known) {
        c[1]++;
      } else {
        keep.add(o);
      }
    }
    if (!keep.isEmpty()) {
      await(store.restore(RestoreBatch.ofOutages(keep)));
    }
    c[0] += keep.size();
    contradicted = keep.size();
  }

  /** The first {@code fromHistory} watches came from watchHistory.json, the rest from currentWatch.json. */
  private void importWatches(HealthStore store, List<WatchSession> watches, long fromHistory) {
    List<String> archived = await(store.watches(Integer.MAX_VALUE)).stream().map(WatchSession::id).toList();
    String active = await(store.currentWatch()).map(WatchSession::id).orElse(null);
    for (int i = 0; i < watches.size(); i++) {
      WatchSession w = watches.get(i);
      long[] c = counts(i < fromHistory ? "watchHistory.json" : "currentWatch.json");
      if (archived.contains(w.id()) || w.id().equals(active)) {
        c[1]++;
        continue;
      }
      try {
        await(store.restore(RestoreBatch.ofWatches(List.of(w))));
        c[0]++;
      } catch (StorageException e) {
        err().println("import-legacy: watch " + w.id() + " not imported: " + e.getMessage());
      }
    }
  }

  private void importCustom(HealthStore store, Map<String, String> custom) {
    for (Map.Entry<String, String> e : custom.entrySet()) {
      long[] c = counts("custom_" + e.getKey() + ".json");
      if (Objects.equals(await(store.custom(e.getKey())).orElse(null), e.getValue())) {
        c[1]++;
      } else {
        await(store.restore(RestoreBatch.ofCustom(Map.of(e.getKey(), e.getValue()))));
        c[0]++;
      }
    }
  }

  private void print(LegacyReport report, StoreLocation target) {
    out().println("imported " + dir.toAbsolutePath().normalize() + " into the " + target.describe());
    long unreadable = 0;
    for (LegacyReport.FileReport f : report.files()) {
      long[] c = stored.getOrDefault(f.file(), new long[2]);
      out().printf(Locale.ROOT, "  %s: %,d records read, %,d imported, %,d duplicates, %,d invalid%s%n", f.file(),
          f.records(), c[0], c[1], f.invalid(),
          f.damaged() ? String.format(Locale.ROOT, ", DAMAGED: %,d bytes could not be read", f.unreadableBytes()) : "");
      f.problems().forEach(p -> out().println("      " + p));
      unreadable += f.unreadableBytes();
    }
    if (contradicted > 0) {
      out().println("  " + contradicted + " imported outages are not what the samples show; kept as imported");
    }
    out().printf(Locale.ROOT, "total: %,d records read, %,d bytes could not be read%n", report.records(), unreadable);
  }
}
