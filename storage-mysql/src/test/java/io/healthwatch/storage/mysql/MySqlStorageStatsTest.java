package io.healthwatch.storage.mysql;

import static io.healthwatch.storage.mysql.MySqlTestDatabase.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StorageGauges;
import io.healthwatch.core.storage.StorageOperation;
import io.healthwatch.core.storage.StorageStats;
import io.healthwatch.storage.mysql.impl.MySqlUri;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.mysqlclient.MySQLConnectOptions;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What the MySQL store reports of its commits and figures, also while the database is away. */
@ExtendWith(VertxExtension.class)
class MySqlStorageStatsTest {
  private static final long T0 = 1_764_000_000_000L;
  @RegisterExtension
  final FreshDatabase fresh = new FreshDatabase();

  @Test
  @DisplayName("commits, queries and a database going away are counted, and the figures say what is known")
  void countsAndGauges(Vertx vertx) {
    MySqlTestDatabase db = fresh.db();
    MySQLConnectOptions target = MySqlUri.parse(db.uri());
    TcpProxy proxy = new TcpProxy(vertx, target.getHost(), target.getPort());
    int port = await(proxy.start());
    StorageStats stats = new StorageStats(System::currentTimeMillis);
    MySqlStoreOptions options = db.options()
        .setUri("mysql://" + target.getUser() + "@127.0.0.1:" + port + "/" + db.name())
        .setConnectTimeoutMs(1_000).setHealthTimeoutMs(1_000);
    options.getStoreOptions().setStorageListener(stats);
    HealthStore store = await(MySqlStore.open(vertx, options));
    await(store.ingest(List.of(new Sample("api", T0, true, 4L, null, null, null),
        new Sample("db", T0 - 500, true, 4L, null, null, null))));
    await(store.putCustom("k", "1"));
    await(store.custom("k"));
    assertThat(stats.count(StorageOperation.COMMIT, true)).isEqualTo(2);
    assertThat(stats.count(StorageOperation.COMMIT, false)).isZero();
    assertThat(stats.count(StorageOperation.QUERY, true)).isEqualTo(1);
    assertThat(stats.totalNanos(StorageOperation.COMMIT, true)).isPositive();
    StorageGauges up = await(store.gauges());
    assertThat(up.dataBytes()).as("information_schema sizes of the tables").isPositive();
    assertThat(up.oldestSampleAt()).isEqualTo(T0 - 500);
    assertThat(up.cachedChannels()).isEqualTo(2);
    assertThat(up.freeBytes()).isEqualTo(StorageGauges.UNKNOWN);
    assertThat(up.segments()).isEqualTo(StorageGauges.UNKNOWN);

    await(proxy.stop());
    assertThatThrownBy(() -> await(store.ingest(List.of(new Sample("api", T0 + 1, true, 4L, null, null, null)))))
        .isInstanceOf(StorageException.class);
    assertThatThrownBy(() -> await(store.putCustom("k", "2"))).isInstanceOf(StorageException.class);
    assertThat(stats.count(StorageOperation.COMMIT, false)).isEqualTo(2);
    assertThat(stats.window().successRate()).isEqualTo(0.5);
    StorageGauges away = await(store.gauges());
    assertThat(away.dataBytes()).as("unknown while the database is away").isEqualTo(StorageGauges.UNKNOWN);
    assertThat(away.oldestSampleAt()).isEqualTo(StorageGauges.UNKNOWN);
    assertThat(away.cachedChannels()).isEqualTo(2);

    await(proxy.start());
    await(store.ingest(List.of(new Sample("api", T0 + 1, true, 4L, null, null, null))));
    assertThat(stats.count(StorageOperation.COMMIT, true)).isEqualTo(3);
    assertThat(await(store.gauges()).oldestSampleAt()).isEqualTo(T0 - 500);
    await(store.close());
    await(proxy.stop());
  }
}
