package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StoreHealth;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Windows refuses to rename or delete a file this process still holds open. The engine must close
 * its channel to a file first, on every path: segment rolls, snapshots, index rewrites, retention,
 * recovery after a failed write, close and reopen. This runs those paths on Linux and macOS too,
 * through a {@link FileOps} that refuses what Windows would refuse.
 */
@ExtendWith(VertxExtension.class)
class OpenFileRulesTest {

  /** The real file system, refusing (and recording) a rename or delete of an open file. */
  static final class WindowsLikeFiles extends ForwardingFileOps {
    final Map<Path, Integer> open = new ConcurrentHashMap<>();
    final List<String> refused = new CopyOnWriteArrayList<>();
    final List<String> deleted = new CopyOnWriteArrayList<>();
    volatile IOException writeFault;

    WindowsLikeFiles() {
      super(FileOps.nio());
    }

    private void checkClosed(String what, Path... paths) throws FileSystemException {
      for (Path p : paths) {
        if (open.getOrDefault(p.toAbsolutePath().normalize(), 0) > 0) {
          refused.add(what + " " + p.getFileName());
          throw new FileSystemException(p.toString(), null,
              "The process cannot access the file because it is being used by another process");
        }
      }
    }

    @Override
    protected Handle handle(Path file, Handle opened) {
      Path key = file.toAbsolutePath().normalize();
      open.merge(key, 1, Integer::sum);
      return new ForwardingHandle(opened) {
        private boolean closed;

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
          if (writeFault != null) {
            throw writeFault;
          }
          super.write(src, position);
        }

        @Override
        public void close() throws IOException {
          if (!closed) {
            closed = true;
            open.merge(key, -1, Integer::sum);
          }
          super.close();
        }
      };
    }

    @Override
    public void move(Path source, Path target) throws IOException {
      checkClosed("rename", source, target);
      super.move(source, target);
    }

    @Override
    public void delete(Path file) throws IOException {
      checkClosed("delete", file);
      if (exists(file)) {
        deleted.add(file.getFileName().toString());
      }
      super.delete(file);
    }
  }

  @Test
  @DisplayName("no file is renamed or deleted while the store holds it open: rolls, snapshots, retention, a failed write, reopen")
  void closesBeforeRenameOrDelete(Vertx vertx, @TempDir Path dir) {
    WindowsLikeFiles files = new WindowsLikeFiles();
    DiskStoreOptions options = TestSupport.options(dir).setFileOps(files)
        .setSegmentBytes(2048).setSnapshotIntervalBytes(1500).setRenameBackoffMs(1);
    HealthStore store = TestSupport.open(vertx, options);
    List<Sample> written = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      Sample s = TestSupport.sample("c" + i % 3, TestSupport.T0 + i * 1_000L, i % 5 != 0);
      await(store.ingest(List.of(s)));
      written.add(s);
    }
    files.writeFault = new IOException("No space left on device");
    assertThat(TestSupport.failure(store.ingest(List.of(TestSupport.sample("c0", TestSupport.T0 + 999_000, true)))))
        .hasMessageContaining("No space left on device");
    files.writeFault = null;

    long cutoff = TestSupport.T0 + 200 * 1_000L;
    await(store.applyRetention(cutoff));
    for (int i = 400; i < 800; i++) {
      await(store.ingest(List.of(TestSupport.sample("c" + i % 3, TestSupport.T0 + i * 1_000L, true))));
    }
    StoreHealth health = await(store.health());
    assertThat(health.status()).isEqualTo(StoreHealth.Status.UP);
    assertThat(files.deleted).as("retention deleted old segments").anyMatch(n -> n.endsWith(".seg"));
    assertThat(files.deleted).as("old snapshots were replaced").anyMatch(n -> n.endsWith(".snap"));
    await(store.close());
    assertThat(files.open.values()).as("every file closed after close()").allMatch(n -> n == 0);

    HealthStore reopened = TestSupport.open(vertx, options);
    assertThat(TestSupport.all(reopened, "c0")).allMatch(s -> s.timestamp() >= cutoff).isNotEmpty();
    await(reopened.close());
    assertThat(files.refused).as("renames and deletes of open files").isEmpty();
  }
}
