package io.healthwatch.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StorageStatsTest {
  private final AtomicLong now = new AtomicLong(1_764_000_000_000L);
  private final StorageStats stats = new StorageStats(now::get);

  @Test
  @DisplayName("operations are counted by kind and result with their time")
  void counts() {
    stats.recordOperation(StorageOperation.FSYNC, true, 2_000);
    stats.recordOperation(StorageOperation.FSYNC, true, 3_000);
    stats.recordOperation(StorageOperation.FSYNC, false, 7_000);
    stats.recordOperation(StorageOperation.RENAME_RETRY, false, 10);
    assertThat(stats.count(StorageOperation.FSYNC, true)).isEqualTo(2);
    assertThat(stats.totalNanos(StorageOperation.FSYNC, true)).isEqualTo(5_000);
    assertThat(stats.count(StorageOperation.FSYNC, false)).isEqualTo(1);
    assertThat(stats.count(StorageOperation.RENAME_RETRY, false)).isEqualTo(1);
    assertThat(stats.count(StorageOperation.WRITE, true)).isZero();
    assertThat(StorageOperation.RENAME_RETRY.label()).isEqualTo("rename_retry");
  }

  @Test
  @DisplayName("the write window holds the commits of the last 5 minutes and nothing else")
  void window() {
    assertThat(stats.window().successRate()).as("no writes: no rate").isNull();
    stats.recordOperation(StorageOperation.FSYNC, false, 1);
    assertThat(stats.window().total()).as("only commits count").isZero();
    for (int i = 0; i < 199; i++) {
      stats.recordOperation(StorageOperation.COMMIT, true, 1);
    }
    stats.recordOperation(StorageOperation.COMMIT, false, 1);
    assertThat(stats.window().successRate()).isEqualTo(0.995);
    now.addAndGet(4 * 60_000);
    stats.recordOperation(StorageOperation.COMMIT, true, 1);
    assertThat(stats.window()).isEqualTo(new StorageStats.Window(300_000, 200, 1));
    now.addAndGet(60_000);
    assertThat(stats.window()).as("the first commits have left the window").isEqualTo(new StorageStats.Window(300_000, 1, 0));
    now.addAndGet(5 * 60_000);
    assertThat(stats.window().total()).isZero();
  }
}
