package io.healthwatch.bench;

import io.healthwatch.it.Backend;
import io.healthwatch.it.ServerProcess;
import io.healthwatch.storage.mysql.MySqlTestDatabase;
import io.healthwatch.storage.mysql.PlainSampleInsert;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.LongStream;

/**
 * The server benchmark: starts the packaged server as a process on each backend (memory, disk,
 * MySQL) and drives it only over HTTP and WebSocket, then prints one markdown table with every
 * figure next to a baseline measured in the same run. Run with {@code mvn -B -Pbench -pl
 * integration-tests -am verify -DskipTests -Dbench.skipStorage=true}; sizes and durations are the
 * {@code bench.*} system properties below (the README lists them).
 */
public final class ServerBenchmark {
  private static final long SAMPLES = Long.getLong("bench.samples", 10_000_000L);
  /** The history of the MySQL backend, when it must be smaller to load in the time there is. */
  private static final long MYSQL_SAMPLES = Long.getLong("bench.mysqlSamples", SAMPLES);
  /** The history of the memory backend, which holds all of it in the server's heap. */
  private static final long MEMORY_SAMPLES = Long.getLong("bench.memorySamples", Math.min(SAMPLES, 2_000_000L));
  private static final int CHANNELS = Integer.getInteger("bench.channels", 1_000);
  private static final Duration WARMUP = Duration.ofSeconds(Integer.getInteger("bench.warmup", 5));
  /**
   * Warm-up of the latency run, the first phase on a freshly started server: in its first seconds
   * (likely a fresh JVM still compiling on two cores) a server stalls deliveries for up to 1.5 s.
   */
  private static final Duration LATENCY_WARMUP = Duration.ofSeconds(Integer.getInteger("bench.latencyWarmup", 10));
  private static final Duration MEASURE = Duration.ofSeconds(Integer.getInteger("bench.seconds", 20));
  private static final int CONNECTIONS = Integer.getInteger("bench.connections", 32);
  private static final int SUBSCRIBERS = Integer.getInteger("bench.subscribers", 100);
  /** {@code share}: each subscriber its share of the channels; {@code all}: every subscriber {@code "*"}. */
  private static final boolean SUBSCRIBE_ALL = "all".equals(System.getProperty("bench.subscribe", "share"));
  private static final int EVENT_RATE = Integer.getInteger("bench.eventRate", 10_000);
  private static final int QUERIES = Integer.getInteger("bench.queries", 500);
  private static final int QUERY_WARMUP = Integer.getInteger("bench.queryWarmup", 300);
  private static final int FILL_BATCH = Integer.getInteger("bench.fillBatch", 10_000);
  private static final int FILL_CONNECTIONS = Integer.getInteger("bench.fillConnections", 8);
  private static final int MYSQL_POOL = Integer.getInteger("bench.mysqlPool", 8);
  private static final String SERVER_HEAP = System.getProperty("bench.serverHeap", "1g");
  /** More options of the servers' JVMs, space-separated (for example a GC log or a flight recording). */
  private static final String[] SERVER_JVM_ARGS = System.getProperty("bench.serverJvmArgs", "").isBlank() ? new String[0]
      : System.getProperty("bench.serverJvmArgs").trim().split("\\s+");
  private static final List<String> PHASES = List.of(System.getProperty("bench.phases", "ingest,latency,history").split(","));
  private static final List<Backend> BACKENDS = List.of(System.getProperty("bench.backends", "memory,disk,mysql").split(","))
      .stream().map(b -> Backend.valueOf(b.strip().toUpperCase(Locale.ROOT))).toList();

  /** What one backend measured; null where a phase did not run. */
  private static final class Figures {
    IngestLoad.Result batches;
    IngestLoad.Result singles;
    IngestLoad.Result plainInsert;
    EventLatency.Result latency;
    double emptyStartMillis = Double.NaN;
    double fillPerSecond = Double.NaN;
    long historySamples;
    double fullStartMillis = Double.NaN;
    HistoryBenchmark.Queries queries;
    double residentMiB = Double.NaN;
    double heapMiB = Double.NaN;
    String skipped;
  }

  private ServerBenchmark() {}

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    Map<Backend, Figures> figures = new EnumMap<>(Backend.class);
    try {
      for (Backend backend : BACKENDS) {
        Figures f = new Figures();
        figures.put(backend, f);
        try {
          if (PHASES.contains("latency") || PHASES.contains("ingest")) {
            log("%s: ingestion", backend.wireName());
            ingestion(vertx, backend, f);
          }
          if (PHASES.contains("history")) {
            log("%s: history of %,d samples", backend.wireName(), historySize(backend));
            history(vertx, backend, f);
          }
        } catch (RuntimeException | AssertionError e) {
          f.skipped = e.getClass().getSimpleName() + ": " + e.getMessage();
          log("%s failed: %s", backend.wireName(), f.skipped);
        }
      }
    } finally {
      vertx.close().await();
      MySqlTestDatabase.shutdown();
    }
    System.out.println();
    System.out.println(table(figures));
  }

  private static ServerProcess start(Backend.Storage storage, String name, Figures f) {
    long began = System.nanoTime();
    ServerProcess server = storage.server(name).jvmArgs("-Xmx" + SERVER_HEAP).jvmArgs(SERVER_JVM_ARGS)
        .args("--mysql-pool-size", Integer.toString(MYSQL_POOL)).start();
    server.awaitReady(Duration.ofMinutes(5));
    if (Double.isNaN(f.emptyStartMillis)) {
      f.emptyStartMillis = (System.nanoTime() - began) / 1e6;
    }
    return server;
  }

  /** Ingest-to-event latency, then ingestion rates, on a fresh server; for MySQL then the plain INSERT. */
  private static void ingestion(Vertx vertx, Backend backend, Figures f) {
    long now = System.currentTimeMillis();
    try (Backend.Storage storage = backend.freshStorage("bench-ingest");
        ServerProcess server = start(storage, "bench-ingest", f)) {
      if (PHASES.contains("latency")) {
        f.latency = EventLatency.measure(vertx, server.port(), SUBSCRIBERS, SUBSCRIBE_ALL, EVENT_RATE, 100, CHANNELS, LATENCY_WARMUP, MEASURE);
        log("  ingest to event: p50 %.1f ms, p99 %.1f ms, %,d of %,d events, %,d dropped, %,d requests failed",
            f.latency.p50Millis(), f.latency.p99Millis(), f.latency.received(), f.latency.expected(), f.latency.dropped(),
            f.latency.failedRequests());
      }
      if (!PHASES.contains("ingest")) {
        return;
      }
      f.batches = ingestRate(vertx, server, 100, BenchSamples.live("batch-", CHANNELS, now - 20 * HistoryBenchmark.DAY));
      log("  100-sample batches: %,.0f samples/s", f.batches.samplesPerSecond());
      f.singles = ingestRate(vertx, server, 1, BenchSamples.live("single-", CHANNELS, now - 19 * HistoryBenchmark.DAY));
      log("  single samples: %,.0f requests/s", f.singles.requestsPerSecond());
      server.stop();
      if (storage.database() != null) {
        try (PlainSampleInsert plain = PlainSampleInsert.create(storage.database(), vertx, MYSQL_POOL)) {
          BenchSamples rows = BenchSamples.live("plain-", CHANNELS, now - 18 * HistoryBenchmark.DAY);
          BenchSamples[] slices = rows.slices(CONNECTIONS);
          f.plainInsert = new IngestLoad(vertx, CONNECTIONS, 100, (stream, first, count) -> plain.insert(
              LongStream.range(first, first + count).mapToObj(slices[stream]::sample).toList())).run(WARMUP, MEASURE);
          log("  plain INSERT: %,.0f samples/s", f.plainInsert.samplesPerSecond());
        }
      }
    }
  }

  private static IngestLoad.Result ingestRate(Vertx vertx, ServerProcess server, int batchSize, BenchSamples shape) {
    HttpClient client = IngestLoad.httpClient(vertx, CONNECTIONS);
    try {
      return new IngestLoad(vertx, CONNECTIONS, batchSize, IngestLoad.http(client, server.port(), shape, CONNECTIONS))
          .run(WARMUP, MEASURE);
    } finally {
      client.close().await();
    }
  }

  private static long historySize(Backend backend) {
    return switch (backend) {
      case MYSQL -> MYSQL_SAMPLES;
      case MEMORY -> MEMORY_SAMPLES;
      case DISK -> SAMPLES;
    };
  }

  /**
   * The memory backend gets its history over HTTP (it keeps nothing across processes); disk and
   * MySQL get theirs straight through the store API in this JVM, and the server then starts on it.
   */
  private static void history(Vertx vertx, Backend backend, Figures f) {
    f.historySamples = historySize(backend);
    HistoryBenchmark history = new HistoryBenchmark(CHANNELS, f.historySamples);
    try (Backend.Storage storage = backend.freshStorage("bench-history")) {
      ServerProcess server;
      if (backend == Backend.MEMORY) {
        server = start(storage, "bench-history", f);
        f.fillPerSecond = history.fill(vertx, server, FILL_BATCH, FILL_CONNECTIONS);
      } else {
        if (Double.isNaN(f.emptyStartMillis)) {
          start(storage, "bench-empty", f).close();
        }
        f.fillPerSecond = history.load(vertx, storage, FILL_BATCH, FILL_CONNECTIONS);
        log("  loaded at %,.0f samples/s", f.fillPerSecond);
        long began = System.nanoTime();
        server = storage.server("bench-history").jvmArgs("-Xmx" + SERVER_HEAP).jvmArgs(SERVER_JVM_ARGS)
            .args("--mysql-pool-size", Integer.toString(MYSQL_POOL)).start();
        server.awaitReady(Duration.ofMinutes(10));
        f.fullStartMillis = (System.nanoTime() - began) / 1e6;
        log("  start-up with the history: %.0f ms", f.fullStartMillis);
      }
      try (server) {
        measureHistory(vertx, history, server, f);
      }
    }
  }

  private static void measureHistory(Vertx vertx, HistoryBenchmark history, ServerProcess server, Figures f) {
    {
      double waited = HistoryBenchmark.awaitCompressionIdle(server);
      long began = System.nanoTime();
      history.warmCache(server);
      log("  waited %.0f ms for the compression of the loaded history, then read every channel's newest samples in %.0f ms",
          waited, (System.nanoTime() - began) / 1e6);
      f.queries = history.queries(vertx, server, QUERY_WARMUP, QUERIES);
      f.residentMiB = HistoryBenchmark.residentMiB(server);
      f.heapMiB = HistoryBenchmark.liveHeapMiB(server);
      HistoryBenchmark.Queries q = f.queries;
      log("  p50/p99 (ms): window %.1f/%.1f, week-old %.1f/%.1f, stats %.1f/%.1f; RSS %.0f MiB, heap %.0f MiB",
          q.newestP50(), q.newestP99(), q.weekOldP50(), q.weekOldP99(), q.statsP50(), q.statsP99(), f.residentMiB, f.heapMiB);
    }
  }

  // ---- the table ----

  private static String table(Map<Backend, Figures> all) {
    List<String> rows = new ArrayList<>();
    rows.add(String.format("Server benchmark: %,d samples (memory: %,d, MySQL: %,d) over %,d channels, %d connections, %d s measured after %d s warm-up,"
        + " server heap -Xmx%s, %d cores, MySQL pool %d", SAMPLES, MEMORY_SAMPLES, MYSQL_SAMPLES, CHANNELS, CONNECTIONS, MEASURE.toSeconds(), WARMUP.toSeconds(),
        SERVER_HEAP, Runtime.getRuntime().availableProcessors(), MYSQL_POOL));
    rows.add("");
    rows.add("| figure | backend | value | baseline (same run) | ratio | target |");
    rows.add("|---|---|---|---|---|---|");
    Figures memory = all.get(Backend.MEMORY);
    for (Map.Entry<Backend, Figures> e : all.entrySet()) {
      if (e.getValue().skipped != null) {
        rows.add("| (all) | " + e.getKey().wireName() + " | not measured: " + e.getValue().skipped.replace('|', '/') + " | | | |");
      }
    }
    String batch = "HTTP ingest, 100-sample batches, " + CONNECTIONS + " connections (samples/s)";
    rate(rows, all, memory, batch, f -> f.batches == null ? Double.NaN : f.batches.samplesPerSecond(),
        Map.of(Backend.DISK, ">= 60% of memory"));
    Figures mysql = all.get(Backend.MYSQL);
    if (mysql != null && mysql.batches != null && mysql.plainInsert != null) {
      rows.add(row(batch, "mysql", count(mysql.batches.samplesPerSecond()),
          "plain multi-row INSERT, pool " + MYSQL_POOL + ": " + count(mysql.plainInsert.samplesPerSecond()),
          ratio(mysql.batches.samplesPerSecond(), mysql.plainInsert.samplesPerSecond()), ">= 70% of plain INSERT"));
    }
    rate(rows, all, memory, "HTTP ingest, single-sample requests, " + CONNECTIONS + " connections (requests/s)",
        f -> f.singles == null ? Double.NaN : f.singles.requestsPerSecond(), Map.of(Backend.DISK, ">= 10,000/s"));
    String latency = "ingest to event at " + SUBSCRIBERS + " subscribers (" + (SUBSCRIBE_ALL ? "each to \"*\"" : "each to its share of the channels")
        + "), " + count(EVENT_RATE) + " samples/s: p50 / p99 (ms)";
    for (Map.Entry<Backend, Figures> e : all.entrySet()) {
      EventLatency.Result r = e.getValue().latency;
      if (r != null) {
        EventLatency.Result base = memory == null ? null : memory.latency;
        rows.add(row(latency, e.getKey().wireName(), millis(r.p50Millis()) + " / " + millis(r.p99Millis())
                + String.format(" (%.1f%% delivered, %,d dropped)", 100.0 * r.received() / Math.max(1, r.expected()), r.dropped()),
            base == null || e.getKey() == Backend.MEMORY ? "" : "memory: " + millis(base.p50Millis()) + " / " + millis(base.p99Millis()),
            base == null || e.getKey() == Backend.MEMORY ? "" : ratio(r.p99Millis(), base.p99Millis()), "p99 < 50 ms"));
      }
    }
    rate(rows, all, memory, true, "history load, " + count(FILL_BATCH) + "-sample batches, " + FILL_CONNECTIONS
        + " in flight (samples/s; memory over HTTP, disk and MySQL through the store API)", f -> f.fillPerSecond, Map.of());
    for (Map.Entry<Backend, Figures> e : all.entrySet()) {
      if (e.getValue().historySamples > 0) {
        rows.add(row("samples in the history of the queries below", e.getKey().wireName(), count(e.getValue().historySamples),
            "", "", "10,000,000"));
      }
    }
    for (Map.Entry<Backend, Figures> e : all.entrySet()) {
      Figures f = e.getValue();
      if (!Double.isNaN(f.fullStartMillis)) {
        rows.add(row("start-up, process start to /health/ready 200, with the history (ms)", sized(e.getKey(), f),
            millis(f.fullStartMillis), "empty " + e.getKey().wireName() + ": " + millis(f.emptyStartMillis),
            ratio(f.fullStartMillis, f.emptyStartMillis), "< 3,000 ms"));
      } else if (!Double.isNaN(f.emptyStartMillis)) {
        rows.add(row("start-up, process start to /health/ready 200, empty (ms)", e.getKey().wireName(),
            millis(f.emptyStartMillis), "", "", ""));
      }
    }
    latencyRows(rows, all, memory, "window: newest 1,000 samples of one channel, p99 (ms)", q -> q.newestP99(),
        Map.of(Backend.DISK, "< 10 ms", Backend.MYSQL, "< 20 ms"));
    for (Map.Entry<Backend, Figures> e : all.entrySet()) {
      HistoryBenchmark.Queries q = e.getValue().queries;
      if (q != null) {
        rows.add(row("window: 1,000 samples a week old (not cached), p99 (ms)", sized(e.getKey(), e.getValue()),
            millis(q.weekOldP99()) + String.format(" (%.0f samples per answer)", q.weekOldSamplesPerAnswer()),
            "newest 1,000 on " + e.getKey().wireName() + ": " + millis(q.newestP99()), ratio(q.weekOldP99(), q.newestP99()),
            e.getKey() == Backend.DISK ? "< 10 ms" : e.getKey() == Backend.MYSQL ? "< 20 ms" : ""));
      }
    }
    latencyRows(rows, all, memory, "30-day /stats of one channel, p99 (ms)", q -> q.statsP99(),
        Map.of(Backend.DISK, "< 20 ms", Backend.MYSQL, "< 20 ms"));
    rate(rows, all, memory, true, "resident memory (RSS) with every channel cached (MiB)", f -> f.residentMiB, Map.of());
    rate(rows, all, memory, true, "live heap (after a full GC) with every channel cached (MiB)", f -> f.heapMiB,
        Map.of(Backend.DISK, "< 256 MiB", Backend.MYSQL, "< 256 MiB"));
    return String.join("\n", rows);
  }

  /** One row per backend: the figure, and memory's as the baseline of the others. */
  private static void rate(List<String> rows, Map<Backend, Figures> all, Figures memory, String figure,
      Function<Figures, Double> value, Map<Backend, String> targets) {
    rate(rows, all, memory, false, figure, value, targets);
  }

  /** The same; with {@code sized}, each backend is named with the size of its history (figures of the history phase). */
  private static void rate(List<String> rows, Map<Backend, Figures> all, Figures memory, boolean sized, String figure,
      Function<Figures, Double> value, Map<Backend, String> targets) {
    for (Map.Entry<Backend, Figures> e : all.entrySet()) {
      double v = value.apply(e.getValue());
      if (Double.isNaN(v)) {
        continue;
      }
      boolean withBase = memory != null && e.getKey() != Backend.MEMORY && !Double.isNaN(value.apply(memory));
      String base = sized ? sized(Backend.MEMORY, memory) : "memory";
      rows.add(row(figure, sized ? sized(e.getKey(), e.getValue()) : e.getKey().wireName(), count(v),
          withBase ? base + ": " + count(value.apply(memory)) : "",
          withBase ? ratio(v, value.apply(memory)) : "", targets.getOrDefault(e.getKey(), "")));
    }
  }

  /** A backend named with the size of the history its figure was measured on. */
  private static String sized(Backend backend, Figures f) {
    return f == null || f.historySamples == 0 ? backend.wireName()
        : backend.wireName() + " (" + count(f.historySamples) + " samples)";
  }

  private static void latencyRows(List<String> rows, Map<Backend, Figures> all, Figures memory, String figure,
      Function<HistoryBenchmark.Queries, Double> value, Map<Backend, String> targets) {
    rate(rows, all, memory, true, figure, f -> f.queries == null ? Double.NaN : value.apply(f.queries), targets);
  }

  private static String row(String figure, String backend, String value, String baseline, String ratio, String target) {
    return "| " + String.join(" | ", figure, backend, value, baseline, ratio, target) + " |";
  }

  private static String count(double v) {
    return v >= 100 ? String.format("%,.0f", v) : String.format("%.1f", v);
  }

  private static String millis(double v) {
    return String.format("%.1f", v);
  }

  private static String ratio(double v, double base) {
    return base == 0 || Double.isNaN(base) ? "" : String.format("%.0f%%", 100 * v / base);
  }

  private static void log(String format, Object... args) {
    System.out.printf("[bench] " + format + "%n", args);
  }
}
