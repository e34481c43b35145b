package io.healthwatch.server;

import static io.healthwatch.server.TestServer.READ;
import static io.healthwatch.server.TestServer.await;
import static io.healthwatch.server.TestServer.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.conformance.MutableClock;
import io.healthwatch.core.storage.StorageOperation;
import io.healthwatch.core.testing.Tmpfs;
import io.healthwatch.server.config.ServerConfig;
import io.healthwatch.storage.disk.DiskStore;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage health as an operator sees it: the counters and figures of {@code /metrics}, and
 * {@code /health/ready} turning DEGRADED or DOWN, with a disk store whose file system fails on
 * demand.
 */
@ExtendWith(VertxExtension.class)
class StorageHealthTest {
  private static final long MIB = 1L << 20;

  @TempDir
  Path dir;
  final FaultyFileOps files = new FaultyFileOps();
  final MutableClock clock = new MutableClock(System.currentTimeMillis());

  private TestServer start(Vertx vertx, UnaryOperator<DiskStoreOptions> tune) {
    ServerConfig config = TestServer.config().storage(ServerConfig.Backend.DISK).dataDir(dir).clock(clock);
    HealthWatchServer server = await(HealthWatchServer.start(config, (v, c) -> DiskStore.open(v,
        tune.apply(new DiskStoreOptions().setDataDir(c.dataDir()).setStoreOptions(c.storeOptions()).setFileOps(files)))));
    // The retention run at start is the first commit; wait for it so the counts below are exact.
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (config.storageStats().count(StorageOperation.COMMIT, true) < 1 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    assertThat(config.storageStats().count(StorageOperation.COMMIT, true)).as("the retention run at start").isEqualTo(1);
    return TestServer.wrap(vertx, server);
  }

  private static JsonObject ready(TestServer hw, int expectedStatus) {
    HttpResponse<Buffer> r = hw.get("/health/ready", null);
    assertThat(r.statusCode()).as("readiness %s", r.bodyAsString()).isEqualTo(expectedStatus);
    return r.bodyAsJsonObject();
  }

  /** The value of one series of {@code /metrics}, 0 if absent. */
  static double metric(TestServer hw, String series) {
    String text = hw.get("/metrics", READ).bodyAsString();
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    throw new AssertionError("no series " + series + " in /metrics");
  }

  static String ops(String op, String result) {
    return "healthwatch_storage_operations_total{op=\"" + op + "\",result=\"" + result + "\"}";
  }

  @Test
  @DisplayName("failing fsyncs are counted, pull the write success rate under 99.5% and keep readiness DOWN for the 5-minute window")
  void failingFsync(Vertx vertx) {
    try (TestServer hw = start(vertx, o -> o)) {
      long t = clock.millis() - 60_000;
      for (int i = 0; i < 3; i++) {
        assertThat(hw.ingest(batch("api", t + i * 100, 10)).statusCode()).isEqualTo(200);
      }
      JsonObject up = ready(hw, 200);
      assertThat(up.getString("status")).isEqualTo("UP");
      JsonObject writes = up.getJsonObject("storage").getJsonObject("writes");
      assertThat(writes.getLong("succeeded")).isEqualTo(4);
      assertThat(writes.getLong("failed")).isZero();
      assertThat(writes.getDouble("successRate")).isEqualTo(1.0);
      assertThat(metric(hw, ops("commit", "success"))).isEqualTo(4);
      assertThat(metric(hw, ops("fsync", "success"))).isGreaterThanOrEqualTo(3);
      assertThat(metric(hw, ops("write", "success"))).isGreaterThanOrEqualTo(3);
      assertThat(metric(hw, ops("fsync", "failure"))).isZero();
      assertThat(metric(hw, "healthwatch_storage_write_success_ratio")).isEqualTo(1.0);
      assertThat(metric(hw, "healthwatch_storage_operation_seconds_count{op=\"fsync\",result=\"success\"}"))
          .isEqualTo(metric(hw, ops("fsync", "success")));
      assertThat(metric(hw, "healthwatch_storage_operation_seconds_sum{op=\"fsync\",result=\"success\"}")).isPositive();

      files.fsyncFault = new IOException("Input/output error");
      assertThat(hw.ingest(batch("api", t + 1_000, 10)).statusCode()).isEqualTo(503);
      // the group's fsync, and the one of the log cut back to its durable end while recovering
      assertThat(metric(hw, ops("fsync", "failure"))).isEqualTo(2);
      assertThat(metric(hw, ops("commit", "failure"))).isEqualTo(1);
      JsonObject down = ready(hw, 503);
      assertThat(down.getString("status")).isEqualTo("DOWN");
      assertThat(down.getString("reason")).contains("Input/output error").contains("80.0% of the storage writes");

      files.fsyncFault = null;
      assertThat(hw.ingest(batch("api", t + 2_000, 10)).statusCode()).isEqualTo(200);
      JsonObject stillDown = ready(hw, 503);
      assertThat(stillDown.getString("reason"))
          .isEqualTo("only 83.3% of the storage writes of the last 5 minutes succeeded (1 of 6 failed); at least 99.5% must");
      assertThat(metric(hw, "healthwatch_storage_write_success_ratio")).isEqualTo(5.0 / 6);

      clock.advance(5 * 60_000);
      JsonObject recovered = ready(hw, 200);
      assertThat(recovered.getString("status")).isEqualTo("UP");
      assertThat(recovered.getJsonObject("storage").getJsonObject("writes").getValue("successRate")).isNull();
    }
  }

  @Test
  @DisplayName("a refused rename is counted with its retries and fails the write loudly")
  void refusedRename(Vertx vertx) {
    try (TestServer hw = start(vertx, o -> o.setSnapshotIntervalBytes(1).setRenameAttempts(3).setRenameBackoffMs(1))) {
      long t = clock.millis() - 60_000;
      assertThat(hw.ingest(batch("api", t, 5)).statusCode()).isEqualTo(200);
      assertThat(hw.ingest(batch("api", t + 100, 5)).statusCode()).isEqualTo(200);
      double renamed = metric(hw, ops("rename", "success"));
      assertThat(renamed).isPositive();
      assertThat(metric(hw, ops("rename_retry", "failure"))).isZero();

      files.refuseRenames = true;
      HttpResponse<Buffer> refused = hw.ingest(batch("api", t + 200, 5));
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(TestServer.errorOf(refused).getString("message")).contains("refused 3 times");
      assertThat(metric(hw, ops("rename", "failure"))).isEqualTo(1);
      assertThat(metric(hw, ops("rename_retry", "failure"))).isEqualTo(2);
      assertThat(ready(hw, 503).getString("reason")).contains("refused 3 times");

      files.refuseRenames = false;
      assertThat(hw.ingest(batch("api", t + 200, 5)).statusCode()).isEqualTo(200);
      assertThat(metric(hw, ops("rename", "success"))).isGreaterThan(renamed);
    }
  }

  @Test
  @DisplayName("free space near the floor is a warning, under it readiness is DOWN; data past its warning size is a warning")
  void freeSpaceAndDataSize(Vertx vertx) {
    try (TestServer hw = start(vertx, o -> o)) {
      long t = clock.millis() - 60_000;
      assertThat(hw.ingest(batch("api", t, 20)).statusCode()).isEqualTo(200);
      assertThat(hw.ingest(batch("db", t - 5_000, 20)).statusCode()).isEqualTo(200);
      JsonObject storage = ready(hw, 200).getJsonObject("storage");
      assertThat(storage.getLong("freeBytes")).isPositive();
      assertThat(storage.getLong("minFreeBytes")).isEqualTo(256 * MIB);
      assertThat(storage.getLong("dataBytes")).isPositive();
      assertThat(storage.getLong("segments")).isEqualTo(1);
      assertThat(storage.getLong("oldestSampleAt")).isEqualTo(t - 5_000);
      assertThat(storage.getLong("cachedChannels")).isEqualTo(2);
      assertThat(storage.getLong("cachedSamples")).isEqualTo(40);
      assertThat(metric(hw, "healthwatch_storage_oldest_sample_timestamp_seconds")).isEqualTo((t - 5_000) / 1000.0);
      assertThat(metric(hw, "healthwatch_storage_data_bytes")).isEqualTo((double) storage.getLong("dataBytes"));
      assertThat(metric(hw, "healthwatch_storage_segments")).isEqualTo(1);
      assertThat(metric(hw, "healthwatch_storage_cache_channels")).isEqualTo(2);

      files.usableSpace = 400 * MIB;
      JsonObject near = ready(hw, 200);
      assertThat(near.getString("status")).isEqualTo("DEGRADED");
      assertThat(near.getJsonArray("problems"))
          .containsExactly("free space is 400.0 MiB, near the floor of 256.0 MiB (--min-free-space)");
      assertThat(metric(hw, "healthwatch_storage_free_bytes")).isEqualTo(400.0 * MIB);

      files.usableSpace = 100 * MIB;
      JsonObject down = ready(hw, 503);
      assertThat(down.getString("status")).isEqualTo("DOWN");
      assertThat(down.getString("reason")).isEqualTo("free space is 100.0 MiB, under the floor of 256.0 MiB (--min-free-space)");

      files.usableSpace = -1;
      hw.server.config().dataSizeWarningBytes(1_024);
      JsonObject big = ready(hw, 200);
      assertThat(big.getString("status")).isEqualTo("DEGRADED");
      assertThat(big.getJsonArray("problems").getString(0)).contains("past the warning size of 1.0 KiB (--data-size-warning)");
    }
  }

  @Test
  @DisplayName("on a real 8 MiB tmpfs, readiness warns near the free-space floor and goes DOWN under it before writes fail")
  void realFileSystemFillingUp(Vertx vertx, @TempDir Path tmp) throws Exception {
    try (Tmpfs tmpfs = Tmpfs.mount(tmp.resolve("tiny"), "8m")) {
      Path mount = tmpfs.path();
      ServerConfig config = TestServer.config().storage(ServerConfig.Backend.DISK).dataDir(mount.resolve("data"))
          .minFreeBytes(2 * MIB);
      try (TestServer hw = TestServer.wrap(vertx, await(HealthWatchServer.start(config)))) {
        long t = System.currentTimeMillis() - 3_600_000;
        int status = 200;
        String seen = "UP";
        List<String> statuses = new ArrayList<>();
        int b = 0;
        for (; b < 2_000 && status == 200; b++) {
          status = hw.ingest(batch("fill-" + b % 8, t + b * 1_000L, 500)).statusCode();
          String now = hw.get("/health/ready", null).bodyAsJsonObject().getString("status");
          if (!now.equals(seen)) {
            statuses.add(now + " after " + b + " batches" + (status == 200 ? "" : " (a write failed)"));
            seen = now;
          }
          if (status == 200 && now.equals("DOWN")) {
            JsonObject down = ready(hw, 503);
            assertThat(down.getString("reason")).contains("under the floor of 2.0 MiB (--min-free-space)");
          }
        }
        assertThat(status).as("the file system filled up in the end").isEqualTo(503);
        assertThat(statuses).as("readiness %s", statuses).hasSizeGreaterThanOrEqualTo(2);
        assertThat(statuses.get(0)).as("the first warning came while writes still succeeded")
            .startsWith("DEGRADED").doesNotContain("a write failed");
        assertThat(statuses.get(1)).as("DOWN came while writes still succeeded").startsWith("DOWN")
            .doesNotContain("a write failed");
        assertThat(metric(hw, ops("write", "failure")) + metric(hw, ops("fsync", "failure"))).isPositive();
        assertThat(metric(hw, ops("commit", "failure"))).isPositive();
        assertThat(metric(hw, "healthwatch_storage_free_bytes")).isLessThan(2.0 * MIB);
      }
    }
  }
}
