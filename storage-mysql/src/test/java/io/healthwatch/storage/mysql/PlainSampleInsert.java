package io.healthwatch.storage.mysql;

import io.healthwatch.core.model.Sample;
import io.healthwatch.storage.mysql.impl.SqlQueries;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * The least a durable write of samples can cost: the rows as one plain multi-row {@code INSERT} in
 * autocommit into {@code bench_plain}, a copy of the samples table, with no lock, no duplicate
 * check and no state. The baseline of the ingestion benchmarks (this module's and the server's).
 */
public final class PlainSampleInsert implements AutoCloseable {
  private static final String TABLE = "bench_plain";

  private final Pool pool;

  private PlainSampleInsert(Pool pool) {
    this.pool = pool;
  }

  /** Creates the copy table in {@code db}, whose schema a store has created, and a pool of its own. */
  public static PlainSampleInsert create(MySqlTestDatabase db, Vertx vertx, int poolSize) {
    db.sql("CREATE TABLE IF NOT EXISTS " + TABLE + " LIKE health_samples");
    Pool pool = MySQLBuilder.pool().with(new PoolOptions().setMaxSize(poolSize)).connectingTo(db.connectOptions())
        .using(vertx).build();
    return new PlainSampleInsert(pool);
  }

  /** Inserts the batch as one statement. */
  public Future<Void> insert(List<Sample> batch) {
    String sql = SqlQueries.insertSamples(batch.size()).replace("health_samples", TABLE);
    return pool.preparedQuery(sql).execute(params(batch)).mapEmpty();
  }

  private static Tuple params(List<Sample> batch) {
    List<Object> p = new ArrayList<>(batch.size() * 7);
    for (Sample s : batch) {
      p.add(s.channelId());
      p.add(s.timestamp());
      p.add(s.success());
      p.add(s.latencyMs());
      p.add(s.reason() == null ? null : s.reason().wireName());
      p.add(s.note());
      p.add(s.probeId());
    }
    return Tuple.from(p);
  }

  @Override
  public void close() {
    MySqlTestDatabase.await(pool.close());
  }
}
