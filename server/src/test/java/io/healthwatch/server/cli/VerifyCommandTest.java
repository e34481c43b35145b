package io.healthwatch.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.storage.HealthStore;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class VerifyCommandTest {
  @TempDir
  Path dir;

  @Test
  @DisplayName("verify of a sound store, while its server runs, lists every file and exits 0")
  void sound(Vertx vertx) {
    HealthStore store = Run.openDisk(vertx, dir);
    Run.fill(store, 4, 3_000);
    Run run = Run.of("verify", "--data-dir", dir.toString());
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("SOUND").contains(".seg").contains(".idx").contains(".snap")
        .doesNotContain("DAMAGED");
    assertThat(run.err()).contains("verify: ").contains("bytes");
    Run.await(store.close());
  }

  @Test
  @DisplayName("a corrupt segment: verify names it as damaged, exits 1 and changes nothing")
  void corruptSegment(Vertx vertx) throws Exception {
    Run.await(Run.openDisk(vertx, dir).close());
    HealthStore store = Run.openDisk(vertx, dir);
    Run.fill(store, 4, 3_000);
    Run.await(store.close());
    Path segment;
    try (Stream<Path> files = Files.list(dir)) {
      segment = files.filter(p -> p.toString().endsWith(".seg")).sorted().findFirst().orElseThrow();
    }
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap("garbage".getBytes()), 5_000);
    }
    byte[] before = Files.readAllBytes(segment);
    Run run = Run.of("verify", "--data-dir", dir.toString());
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.out()).contains("DAMAGED  " + segment.getFileName()).contains("fail their checksum")
        .contains("DAMAGED: ");
    assertThat(Files.readAllBytes(segment)).isEqualTo(before);
  }

  @Test
  @DisplayName("verify of a directory that does not exist says so and exits 2")
  void missing() {
    Run run = Run.of("verify", "--data-dir", dir.resolve("nope").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("healthwatch verify: no data directory").contains("nope");
  }
}
