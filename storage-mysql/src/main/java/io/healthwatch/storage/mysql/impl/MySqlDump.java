package io.healthwatch.storage.mysql.impl;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StoreDump;
import io.healthwatch.storage.mysql.MySqlStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link StoreDump} of a MySQL store: one connection holding one {@code START TRANSACTION WITH
 * CONSISTENT SNAPSHOT}, so every read sees the database as it was when the dump opened while
 * servers keep writing (InnoDB's consistent read takes no lock).
 */
public final class MySqlDump implements StoreDump {
  private final Pool pool;
  private final SqlConnection conn;
  private final String location;

  private MySqlDump(Pool pool, SqlConnection conn, String location) {
    this.pool = pool;
    this.conn = conn;
    this.location = location;
  }

  public static Future<StoreDump> open(Vertx vertx, MySqlStoreOptions o) {
    MySQLConnectOptions connect;
    try {
      connect = MySqlHealthStore.connectOptions(o);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Pool pool = MySqlHealthStore.pool(vertx, o, connect, 1);
    String location = MySqlUri.describe(connect);
    return Migrations.run(pool, o.getStoreOptions().getClock().millis())
        .compose(v -> pool.getConnection())
        .compose(conn -> conn.query(SqlQueries.START_SNAPSHOT).execute()
            .map(v -> (StoreDump) new MySqlDump(pool, conn, location))
            .onFailure(err -> conn.close()))
        .recover(err -> pool.close().transform(ignored -> Future.failedFuture(StorageException.unavailable(
            "reading the MySQL database at " + location + MySqlHealthStore.tlsHint(connect.getSslMode())
                + " failed: " + err.getMessage(), err))));
  }

  private <T> Future<T> failed(String what, Throwable err) {
    return Future.failedFuture(StorageException.unavailable(what + " from the MySQL database at " + location
        + " failed: " + err.getMessage(), err));
  }

  @Override
  public Future<List<ChannelState>> channels() {
    return conn.query(SqlQueries.ALL_STATES).execute().map(rows -> Rows.list(rows, Rows::state))
        .recover(err -> failed("reading channel states", err));
  }

  @Override
  public Future<List<Sample>> samples(String channelId, Sample.SampleKey after, int limit) {
    long ts = after == null ? Long.MIN_VALUE : after.timestamp();
    String probe = after == null ? "" : after.probeId();
    Tuple params = Tuple.of(channelId, ts, ts, probe, limit);
    return conn.preparedQuery(SqlQueries.SAMPLES_AFTER).execute(params).map(rows -> Rows.list(rows, Rows::sample))
        .recover(err -> failed("reading samples", err));
  }

  @Override
  public Future<List<Outage>> outages() {
    return conn.query(SqlQueries.ALL_OUTAGES).execute().map(rows -> Rows.list(rows, Rows::outage))
        .recover(err -> failed("reading outages", err));
  }

  @Override
  public Future<List<WatchSession>> watches() {
    return conn.query(SqlQueries.ALL_WATCHES).execute().map(rows -> Rows.list(rows, Rows::watch))
        .recover(err -> failed("reading watches", err));
  }

  @Override
  public Future<Map<String, String>> custom() {
    return conn.query(SqlQueries.ALL_CUSTOM).execute().map(rows -> {
      Map<String, String> out = new TreeMap<>();
      rows.forEach(r -> out.put(r.getString("custom_key"), r.getString("value_json")));
      return out;
    }).recover(err -> failed("reading custom values", err));
  }

  @Override
  public Future<Void> close() {
    return conn.query(SqlQueries.END_SNAPSHOT).execute()
        .transform(ar -> conn.close())
        .transform(ar -> pool.close());
  }
}
