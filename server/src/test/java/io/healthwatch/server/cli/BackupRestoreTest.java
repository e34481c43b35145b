package io.healthwatch.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** backup and restore of disk stores, as an operator runs them. */
@ExtendWith(VertxExtension.class)
class BackupRestoreTest {
  @TempDir
  Path dir;

  private static List<Sample> all(HealthStore store, String channel) {
    return Run.await(store.samples(channel, new SampleQuery(Long.MIN_VALUE, Long.MAX_VALUE, SampleQuery.MAX_LIMIT,
        SortOrder.ASC)));
  }

  @Test
  @DisplayName("a backup taken while the server keeps ingesting restores into an empty store, consistent and verified")
  void whileIngesting(Vertx vertx) throws Exception {
    Path src = dir.resolve("src");
    Path archive = dir.resolve("backup.hwb");
    HealthStore source = Run.openDisk(vertx, src);
    Run.fill(source, 3, 2_000);
    Map<String, Object> before = Run.content(source);
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer = new Thread(() -> {
      for (int i = 0; !stop.get() && i < 3_000; i++) {
        long t = Run.T0 + 2_000 * 60_000L + i * 1_000L;
        Run.await(source.ingest(List.of(new Sample("svc-0", t, true, 5L, null, null, "p"),
            new Sample("svc-1", t, true, 5L, null, null, "p"), new Sample("svc-2", t, true, 5L, null, null, "p"))));
      }
    });
    writer.start();
    Run backup = Run.of("backup", "--data-dir", src.toString(), "--to", archive.toString());
    stop.set(true);
    writer.join();
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    assertThat(backup.out()).contains("backup of the disk store " + src).contains("written to " + archive);
    assertThat(backup.err()).contains("backup: ").contains("samples");
    assertThat(archive).isRegularFile();
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".partial-"));
    }

    Path dst = dir.resolve("dst");
    Run restore = Run.of("restore", "--data-dir", dst.toString(), "--from", archive.toString());
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(restore.out()).contains("restored " + archive).contains("verified against the archive's digest");
    assertThat(restore.err()).contains("is sound");

    HealthStore restored = Run.openDisk(vertx, dst);
    Map<String, Object> after = Run.content(restored);
    // What did not change during the backup is restored exactly.
    assertThat(after.get("outages")).isEqualTo(before.get("outages"));
    assertThat(after.get("watches")).isEqualTo(before.get("watches"));
    assertThat(after.get("current")).isEqualTo(before.get("current"));
    assertThat(after.get("custom")).isEqualTo(before.get("custom"));
    assertThat(Run.await(restored.auditLog(0, Long.MAX_VALUE, 100))).as("the restore's audit record")
        .singleElement().satisfies(r -> {
          assertThat(r.action()).isEqualTo(io.healthwatch.core.model.AuditRecord.RESTORE);
          assertThat(r.detail()).contains(archive.getFileName().toString());
        });
    // Each channel is a consistent cut: its state counts exactly its samples, a prefix of the source's.
    for (ChannelState c : Run.await(restored.channels())) {
      List<Sample> got = all(restored, c.channelId());
      assertThat(got).hasSize((int) c.sampleCount());
      assertThat(got).hasSizeGreaterThanOrEqualTo(2_000);
      assertThat(got).isEqualTo(all(source, c.channelId()).subList(0, got.size()));
      assertThat(got.get(got.size() - 1).timestamp()).isEqualTo(c.lastSampleAt());
    }
    Run.await(restored.close());
    Run.await(source.close());
  }

  @Test
  @DisplayName("restore refuses a store that is not empty, and changes nothing in it")
  void notEmpty(Vertx vertx) throws Exception {
    Path src = dir.resolve("src");
    HealthStore source = Run.openDisk(vertx, src);
    Run.fill(source, 2, 100);
    Run.await(source.close());
    Path archive = dir.resolve("b.hwb");
    assertThat(Run.of("backup", "--data-dir", src.toString(), "--to", archive.toString()).exitCode()).isZero();

    Run run = Run.of("restore", "--data-dir", src.toString(), "--from", archive.toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
    assertThat(run.err()).contains("healthwatch restore: the disk store " + src + " is not empty (2 channels");
    assertThat(Run.of("verify", "--data-dir", src.toString()).exitCode()).isZero();
  }

  @Test
  @DisplayName("a flipped byte anywhere in the archive, or a cut one: restore refuses it before writing anything")
  void damagedArchive(Vertx vertx) throws Exception {
    Path src = dir.resolve("src");
    HealthStore source = Run.openDisk(vertx, src);
    Run.fill(source, 3, 1_000);
    Run.await(source.close());
    Path archive = dir.resolve("b.hwb");
    assertThat(Run.of("backup", "--data-dir", src.toString(), "--to", archive.toString()).exitCode()).isZero();
    byte[] good = Files.readAllBytes(archive);

    List<Integer> offsets = new ArrayList<>(List.of(12, good.length / 3, good.length / 2, good.length - 12,
        good.length - 3));
    for (int at : offsets) {
      byte[] bad = good.clone();
      bad[at] ^= 0x10;
      Path damaged = dir.resolve("flipped-" + at + ".hwb");
      Files.write(damaged, bad);
      Path dst = dir.resolve("dst-" + at);
      Run run = Run.of("restore", "--data-dir", dst.toString(), "--from", damaged.toString());
      assertThat(run.exitCode()).as("byte " + at + " flipped: " + run).isEqualTo(1);
      assertThat(run.err()).contains("healthwatch restore: archive " + damaged).contains("nothing was restored");
      assertThat(dst).doesNotExist();
    }
    Path cut = dir.resolve("cut.hwb");
    Files.write(cut, java.util.Arrays.copyOf(good, good.length / 2));
    Run run = Run.of("restore", "--data-dir", dir.resolve("dst-cut").toString(), "--from", cut.toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.err()).contains("nothing was restored");
    assertThat(dir.resolve("dst-cut")).doesNotExist();
  }

  @Test
  @DisplayName("bad input: no archive, the memory backend, a missing option: exit 2 with one line")
  void badInput() {
    Run noArchive = Run.of("restore", "--data-dir", dir.resolve("d").toString(), "--from", dir.resolve("nope").toString());
    assertThat(noArchive.exitCode()).isEqualTo(2);
    assertThat(noArchive.err()).contains("no archive");
    Run memory = Run.of("backup", "--storage", "memory", "--to", dir.resolve("x").toString());
    assertThat(memory.exitCode()).isEqualTo(2);
    assertThat(memory.err()).contains("the memory backend keeps nothing outside a running server");
    Run missing = Run.of("backup");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).contains("Missing required option: '--to=FILE'");
  }
}
