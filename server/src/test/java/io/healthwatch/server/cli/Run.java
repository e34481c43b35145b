package io.healthwatch.server.cli;

import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.server.Main;
import io.healthwatch.storage.disk.DiskStore;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/** Runs a command as a user would, through {@link Main}'s command line, with its output captured. */
record Run(int exitCode, String out, String err) {
  static final long T0 = 1_764_000_000_000L;

  /** Runs with the test's environment minus every {@code HEALTHWATCH_} variable. */
  static Run of(String... args) {
    return with(Map.of(), args);
  }

  /** Runs with {@code env} as the commands' environment. */
  static Run with(Map<String, String> env, String... args) {
    Map<String, String> environment = new java.util.HashMap<>(System.getenv());
    environment.keySet().removeIf(k -> k.startsWith("HEALTHWATCH_"));
    environment.putAll(env);
    CommandLine.IFactory factory = new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        try {
          return cls.getConstructor(Map.class).newInstance(environment);
        } catch (NoSuchMethodException e) {
          return CommandLine.defaultFactory().create(cls);
        }
      }
    };
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main(), factory);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static HealthStore openDisk(Vertx vertx, Path dir) {
    return await(DiskStore.open(vertx, new DiskStoreOptions().setDataDir(dir).setStoreOptions(new StoreOptions())
        .setSegmentBytes(64 * 1024).setSnapshotIntervalBytes(128 * 1024)));
  }

  /**
   * Writes what a store of some weeks holds: channels with failures that open and close outages,
   * several probes, notes, an archived and an active watch, custom values.
   */
  static void fill(HealthStore store, int channels, int samplesPerChannel) {
    for (int from = 0; from < samplesPerChannel; from += 50) {
      List<Sample> batch = new ArrayList<>();
      for (int c = 0; c < channels; c++) {
        for (int i = from; i < Math.min(samplesPerChannel, from + 50); i++) {
          boolean ok = (i / 4) % 5 != 0;
          batch.add(new Sample("svc-" + c, T0 + i * 60_000L, ok, ok ? 20L + i % 50 : null,
              ok ? null : Reason.TIMEOUT, ok ? null : "attempt " + i, i % 3 == 0 ? "probe-eu" : "probe-us"));
        }
      }
      await(store.ingest(batch));
    }
    await(store.startWatch(60_000, List.of("svc-0")));
    await(store.stopWatch());
    await(store.startWatch(3_600_000, List.of()));
    await(store.putCustom("layout", "{\"columns\":3,\"order\":[\"svc-1\",\"svc-0\"]}"));
    await(store.putCustom("theme", "\"dark\""));
  }

  /** Everything a store answers through its API, for comparing two stores. */
  static Map<String, Object> content(HealthStore store) {
    Map<String, Object> out = new TreeMap<>();
    out.put("channels", await(store.channels()));
    for (var c : await(store.channels())) {
      List<Sample> all = await(store.samples(c.channelId(), new SampleQuery(Long.MIN_VALUE, Long.MAX_VALUE,
          SampleQuery.MAX_LIMIT, SortOrder.ASC)));
      if (all.size() == SampleQuery.MAX_LIMIT) {
        throw new IllegalStateException("keep test channels below " + SampleQuery.MAX_LIMIT + " samples");
      }
      out.put("samples " + c.channelId(), all);
    }
    out.put("outages", await(store.outages(new OutageQuery(null, 0, Long.MAX_VALUE, null, SampleQuery.MAX_LIMIT))));
    out.put("watches", await(store.watches(50)));
    out.put("current", await(store.currentWatch()).map(w -> w.id()));
    out.put("custom", List.of(await(store.custom("layout")), await(store.custom("theme"))));
    return out;
  }
}
