package io.healthwatch.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.ChannelStatus;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.io.BufferedOutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** import-legacy of the earlier extension's files, whole, damaged and twice. */
@ExtendWith(VertxExtension.class)
class ImportLegacyTest {
  @TempDir
  Path dir;

  static Path fixture() {
    try {
      return Path.of(ImportLegacyTest.class.getResource("/legacy/extension-dir/channelStates.json").toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long sampleCount(HealthStore store) {
    return Run.await(store.channels()).stream().mapToLong(ChannelState::sampleCount).sum();
  }

  @Test
  @DisplayName("the extension's directory is imported: samples through the rules, outages, watches and custom values; "
      + "a second import doubles nothing")
  void fixtureTwice(Vertx vertx) throws IOException {
    Path legacy = fixture();
    Path data = dir.resolve("data");
    byte[] before = Files.readAllBytes(legacy.resolve("channelStates.json"));

    Run first = Run.of("import-legacy", legacy.toString(), "--data-dir", data.toString());
    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.out())
        .contains("channelStates.json: 52 records read, 52 imported, 0 duplicates, 0 invalid")
        .contains("outages.json: 2 records read, 1 imported, 1 duplicates")
        .contains("watchHistory.json: 2 records read, 2 imported")
        .contains("currentWatch.json: 1 records read, 1 imported")
        .contains("custom_layout.json: 1 records read, 1 imported")
        .contains("1 imported outages are not what the samples show; kept as imported")
        .doesNotContain("DAMAGED");

    HealthStore store = Run.openDisk(vertx, data);
    Map<String, Object> imported = Run.content(store);
    List<ChannelState> channels = Run.await(store.channels());
    assertThat(channels).extracting(ChannelState::channelId).containsExactly("api", "db", "web");
    assertThat(channels).extracting(ChannelState::state).containsOnly(ChannelStatus.ONLINE);
    List<Outage> outages = Run.await(store.outages(OutageQuery.all()));
    assertThat(outages).extracting(Outage::channelId).containsExactlyInAnyOrder("db", "web");
    Outage db = outages.stream().filter(o -> o.channelId().equals("db")).findFirst().orElseThrow();
    assertThat(db.failureCount()).isEqualTo(4);
    assertThat(db.actualDuration()).isEqualTo(4 * 60_000L);
    List<Sample> web = Run.await(store.samples("web", new SampleQuery(0, Long.MAX_VALUE, 100, SortOrder.ASC)));
    assertThat(web.get(3).note()).isEqualTo("connect ECONNREFUSED 10.0.0.7:443");
    assertThat(Run.await(store.watches(10))).extracting(WatchSession::channels)
        .contains(List.of("db"), List.of("api", "db"), List.of());
    assertThat(Run.await(store.currentWatch())).isEmpty();
    assertThat(Run.await(store.custom("layout"))).contains("{\"columns\":3,\"order\":[\"db\",\"api\",\"web\"]}");
    Run.await(store.close());

    Run second = Run.of("import-legacy", legacy.toString(), "--data-dir", data.toString());
    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.out())
        .contains("channelStates.json: 52 records read, 0 imported, 52 duplicates")
        .contains("outages.json: 2 records read, 0 imported, 2 duplicates")
        .contains("watchHistory.json: 2 records read, 0 imported, 2 duplicates")
        .contains("custom_alerts.json: 1 records read, 0 imported, 1 duplicates");
    store = Run.openDisk(vertx, data);
    assertThat(Run.content(store)).isEqualTo(imported);
    assertThat(Run.await(store.auditLog(0, Long.MAX_VALUE, 100))).as("one audit record per import")
        .hasSize(2).allSatisfy(r -> {
          assertThat(r.action()).isEqualTo(io.healthwatch.core.model.AuditRecord.IMPORT);
          assertThat(r.actor()).startsWith("cli:");
          assertThat(r.detail()).contains(legacy.getFileName().toString());
        });
    Run.await(store.close());
    assertThat(Files.readAllBytes(legacy.resolve("channelStates.json"))).isEqualTo(before);
  }

  /** A channelStates.json as the extension wrote it, remembering where each sample starts and ends. */
  private static final class BigFile {
    final List<long[]> spans = new ArrayList<>();

    Path write(Path file, long targetBytes) throws IOException {
      Random rnd = new Random(7);
      int channels = 20;
      int perChannel = (int) (targetBytes / 62 / channels);
      long pos = 0;
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
        pos += put(out, "{\n");
        for (int c = 0; c < channels; c++) {
          pos += put(out, "  \"svc-" + c + "\": {\n    \"state\": \"online\",\n    \"samples\": [\n");
          for (int i = 0; i < perChannel; i++) {
            boolean ok = rnd.nextInt(12) != 0;
            String s = "      {\"t\": " + (Run.T0 + i * 60_000L) + ", \"ok\": " + ok + ", \"latencyMs\": "
                + (20 + rnd.nextInt(300)) + (ok ? "" : ", \"error\": \"timeout\", \"details\": {\"note\": \"attempt "
                + i + "\"}") + "}";
            spans.add(new long[] {pos + 6, pos + s.length()});
            pos += put(out, s + (i + 1 < perChannel ? ",\n" : "\n"));
          }
          pos += put(out, "    ],\n    \"consecutiveFailures\": 0\n  }" + (c + 1 < channels ? ",\n" : "\n"));
        }
        put(out, "}\n");
      }
      return file;
    }

    private static int put(OutputStream out, String s) throws IOException {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write(b);
      return b.length;
    }

    long completeBefore(long cut) {
      return spans.stream().filter(s -> s[1] <= cut).count();
    }

    long untouchedBy(long from, long to) {
      return spans.stream().filter(s -> s[1] <= from || s[0] >= to).count();
    }
  }

  @Test
  @DisplayName("a 50 MB file cut at byte 532480 yields every sample before the cut and says how much was lost; "
      + "importing it again doubles nothing")
  void cutFile(Vertx vertx) throws IOException {
    BigFile big = new BigFile();
    Path whole = dir.resolve("whole");
    Files.createDirectories(whole);
    Path file = big.write(whole.resolve("channelStates.json"), 50L << 20);
    assertThat(Files.size(file)).isBetween(45L << 20, 60L << 20);
    Path cutDir = dir.resolve("cut");
    Files.createDirectories(cutDir);
    try (var in = Files.newInputStream(file); var out = Files.newOutputStream(cutDir.resolve("channelStates.json"))) {
      out.write(in.readNBytes(532_480));
    }
    Files.delete(file);

    Path data = dir.resolve("data");
    Run cut = Run.of("import-legacy", cutDir.toString(), "--data-dir", data.toString());
    assertThat(cut.exitCode()).as(cut.toString()).isZero();
    long expected = big.completeBefore(532_480);
    assertThat(cut.out()).contains(String.format("channelStates.json: %,d records read, %,d imported", expected, expected))
        .contains("DAMAGED: ").contains("bytes could not be read");
    HealthStore store = Run.openDisk(vertx, data);
    assertThat(sampleCount(store)).isEqualTo(expected);
    Run.await(store.close());
    Run again = Run.of("import-legacy", cutDir.toString(), "--data-dir", data.toString());
    assertThat(again.out()).contains(String.format("%,d records read, 0 imported, %,d duplicates", expected, expected));
  }

  @Test
  @DisplayName("a large file damaged in the middle yields every sample but those under the damage")
  void damagedInTheMiddle(Vertx vertx) throws IOException {
    long megabytes = Long.getLong("healthwatch.legacy.mb", 10);
    BigFile big = new BigFile();
    Path legacy = dir.resolve("legacy");
    Files.createDirectories(legacy);
    Path file = big.write(legacy.resolve("channelStates.json"), megabytes << 20);
    long from = Files.size(file) / 2;
    long to = from + 300;
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap("#".repeat(300).getBytes(StandardCharsets.US_ASCII)), from);
    }
    Path data = dir.resolve("data");
    Run damaged = Run.of("import-legacy", legacy.toString(), "--data-dir", data.toString());
    assertThat(damaged.exitCode()).as(damaged.toString()).isZero();
    long kept = big.untouchedBy(from, to);
    assertThat(kept).isLessThan(big.spans.size());
    assertThat(damaged.out()).contains(String.format("channelStates.json: %,d records read, %,d imported", kept, kept))
        .contains("DAMAGED");
    assertThat(damaged.err()).contains("import-legacy: ").contains("done in");
    HealthStore store = Run.openDisk(vertx, data);
    assertThat(sampleCount(store)).isEqualTo(kept);
    Run.await(store.close());
  }
}
