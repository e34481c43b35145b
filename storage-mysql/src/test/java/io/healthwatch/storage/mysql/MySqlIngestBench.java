package io.healthwatch.storage.mysql;

import static io.healthwatch.storage.mysql.MySqlTestDatabase.await;

import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Durable 100-sample batches through the store (locks, duplicate check, rules, state and outage
 * rows, one transaction) against the bare minimum: the same rows as one plain multi-row INSERT in
 * autocommit into a copy of the samples table, from the same JVM and pool size. Run with {@code mvn
 * -o -pl storage-mysql -am -Pbench verify} and {@code HEALTHWATCH_TEST_MYSQL_URI} set.
 */
public final class MySqlIngestBench {
  private static final long T0 = 1_764_000_000_000L;
  private static final int BATCH = 100;
  /** Channels each writer's batches cover (the server benchmark's writers have about 31). */
  private static final int CHANNELS = Integer.getInteger("bench.channelsPerWriter", 10);

  public static void main(String[] args) {
    int batches = Integer.getInteger("bench.batches", 400);
    Vertx vertx = Vertx.vertx();
    try (MySqlTestDatabase db = MySqlTestDatabase.create()) {
      HealthStore store = await(MySqlStore.open(vertx, db.options().setPoolSize(8)));
      PlainSampleInsert plain = PlainSampleInsert.create(db, vertx, 8);
      System.out.println("innodb_flush_log_at_trx_commit = "
          + db.sql("SELECT @@innodb_flush_log_at_trx_commit").get(0).getValue(0) + ", server "
          + db.sql("SELECT VERSION()").get(0).getValue(0));

      long offset = 0;
      for (int concurrency : new int[] {1, 8, 32}) {
        // warm-up, then measure
        run("warm-up", vertx, 50, concurrency, offset, b -> store.ingest(b).mapEmpty());
        offset += 1_000_000_000L;
        run("store  ", vertx, batches, concurrency, offset, b -> store.ingest(b).mapEmpty());
        offset += 1_000_000_000L;
        run("warm-up", vertx, 50, concurrency, offset, plain::insert);
        offset += 1_000_000_000L;
        run("plain  ", vertx, batches, concurrency, offset, plain::insert);
        offset += 1_000_000_000L;
      }
      var details = await(store.health()).details();
      System.out.printf("store: %s ingest calls in %s transactions, %s retried%n", details.get("ingestCalls"),
          details.get("ingestTransactions"), details.get("retriedTransactions"));
      plain.close();
      await(store.close());
    } finally {
      await(vertx.close());
      MySqlTestDatabase.shutdown();
    }
  }

  /** Each stream writes its own channels, one batch at a time; streams run side by side. */
  private static void run(String name, Vertx vertx, int batches, int streams, long offset,
      Function<List<Sample>, Future<Void>> write) {
    long[] latencies = new long[batches];
    long start = System.nanoTime();
    List<Future<Void>> all = new ArrayList<>();
    for (int s = 0; s < streams; s++) {
      all.add(stream(s, streams, batches, offset, write, latencies, s));
    }
    await(Future.all(all));
    long elapsed = System.nanoTime() - start;
    if (name.startsWith("warm")) {
      return;
    }
    Arrays.sort(latencies);
    double seconds = elapsed / 1e9;
    System.out.printf("%s concurrency %d: %d batches of %d in %.2f s = %.0f batches/s, %.0f samples/s;"
            + " batch latency p50 %.1f ms, p99 %.1f ms%n", name, streams, batches, BATCH, seconds, batches / seconds,
        batches * BATCH / seconds, latencies[batches / 2] / 1e6, latencies[(int) (batches * 0.99)] / 1e6);
  }

  private static Future<Void> stream(int stream, int streams, int batches, long offset,
      Function<List<Sample>, Future<Void>> write, long[] latencies, int index) {
    if (index >= batches) {
      return Future.succeededFuture();
    }
    List<Sample> batch = new ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      long t = T0 + offset + (long) index * BATCH + i;
      boolean ok = i % 17 != 0;
      batch.add(new Sample("s" + stream + "-c" + (i % CHANNELS), t, ok, ok ? (long) (i * 3) : null,
          ok ? null : Reason.TIMEOUT, ok ? null : "timed out", "probe-1"));
    }
    long began = System.nanoTime();
    Promise<Void> done = Promise.promise();
    write.apply(batch).onComplete(ar -> {
      latencies[index] = System.nanoTime() - began;
      if (ar.failed()) {
        done.fail(ar.cause());
      } else {
        stream(stream, streams, batches, offset, write, latencies, index + streams).onComplete(done);
      }
    });
    return done.future();
  }
}
