package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StorageException;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** One process per data directory: a second store fails at once, naming the directory. */
@ExtendWith(VertxExtension.class)
class DirectoryLockTest {

  private static Map<String, Long> listing(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.collect(Collectors.toMap(f -> f.getFileName().toString(), f -> f.toFile().length()));
    }
  }

  @Test
  @DisplayName("a second store in the same JVM fails with a message naming the directory")
  void sameJvm(Vertx vertx, @TempDir Path dir) {
    HealthStore first = TestSupport.open(vertx, TestSupport.options(dir));
    Throwable error = TestSupport.failure(DiskStore.open(vertx, TestSupport.options(dir)));
    assertThat(error).isInstanceOf(StorageException.class)
        .hasMessage("data directory " + dir.toAbsolutePath().normalize() + " is in use by another process");
    await(first.close());
    await(TestSupport.open(vertx, TestSupport.options(dir)).close());
  }

  @Test
  @DisplayName("a second process fails within 5 s naming the directory, changes nothing, and gets the lock after kill -9")
  void otherProcess(Vertx vertx, @TempDir Path dir) throws Exception {
    HealthStore store = TestSupport.open(vertx, TestSupport.options(dir));
    await(store.ingest(PowerLossTest.batch(1)));
    Map<String, Long> before = listing(dir);
    List<String> lines = new CopyOnWriteArrayList<>();
    long started = System.nanoTime();
    Process second = ChildProcess.start(lines::add, "open", dir.toString());
    assertThat(second.waitFor(20, TimeUnit.SECONDS)).isTrue();
    // JVM start-up is included; the refusal itself is immediate (tryLock does not wait).
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(5);
    assertThat(second.exitValue()).isEqualTo(3);
    Thread.sleep(100);
    assertThat(lines).containsExactly("FAILED data directory " + dir.toAbsolutePath().normalize()
        + " is in use by another process");
    assertThat(listing(dir)).isEqualTo(before);
    await(store.close());

    List<String> holder = new CopyOnWriteArrayList<>();
    Process owner = ChildProcess.start(holder::add, "open", dir.toString());
    long deadline = System.currentTimeMillis() + 20_000;
    while (!holder.contains("OPENED") && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    assertThat(holder).contains("OPENED");
    assertThat(TestSupport.failure(DiskStore.open(vertx, TestSupport.options(dir)))).isInstanceOf(StorageException.class);
    ChildProcess.kill(owner);
    HealthStore after = TestSupport.open(vertx, TestSupport.options(dir));
    assertThat(TestSupport.all(after, "c1")).isEqualTo(PowerLossTest.batch(1));
    await(after.close());
  }
}
