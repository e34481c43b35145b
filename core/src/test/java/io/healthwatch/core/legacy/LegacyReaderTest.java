package io.healthwatch.core.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LegacyReaderTest {
  static final long NOW = 1_764_000_000_000L;
  @TempDir Path dir;

  static final class Collected implements LegacySink {
    final List<Sample> samples = new ArrayList<>();
    final List<Outage> outages = new ArrayList<>();
    final List<WatchSession> watches = new ArrayList<>();
    final Map<String, String> custom = new LinkedHashMap<>();

    @Override
    public void sample(Sample sample) {
      samples.add(sample);
    }

    @Override
    public void outage(Outage outage) {
      outages.add(outage);
    }

    @Override
    public void watch(WatchSession watch) {
      watches.add(watch);
    }

    @Override
    public void custom(String key, String json) {
      custom.put(key, json);
    }
  }

  Collected collected = new Collected();

  LegacyReport read() throws IOException {
    return new LegacyReader(NOW).read(dir, collected);
  }

  LegacyReport.FileReport report(LegacyReport r, String file) {
    return r.files().stream().filter(f -> f.file().equals(file)).findFirst().orElseThrow();
  }

  @Test
  @DisplayName("an intact directory is read whole, legacy fields mapped as API.md says")
  void intactDirectory() throws IOException {
    LegacyFixtures fx = new LegacyFixtures();
    fx.channelStates(dir, 3, 20_000, 1);
    LegacyFixtures.outages(dir);
    LegacyFixtures.watches(dir, NOW);
    LegacyFixtures.custom(dir);
    LegacyReport r = read();

    assertThat(collected.samples).hasSize(fx.samples);
    assertThat(report(r, "channelStates.json").damaged()).isFalse();
    assertThat(collected.samples).extracting(Sample::channelId).containsExactlyElementsOf(fx.sampleChannels);
    Sample legacyTimeout = collected.samples.stream()
        .filter(s -> !s.success() && s.reason() == Reason.TIMEOUT).findFirst().orElseThrow();
    assertThat(legacyTimeout.note()).startsWith("attempt ");
    Sample freeText = collected.samples.stream().filter(s -> !s.success() && s.reason() == null).findFirst().orElseThrow();
    assertThat(freeText.note()).startsWith("attempt ");

    assertThat(collected.outages).hasSize(3);
    Outage first = collected.outages.get(0);
    assertThat(first.confirmedAt()).isEqualTo(1_700_000_120_000L);
    assertThat(first.firstFailureAt()).isEqualTo(1_700_000_120_000L);
    assertThat(first.recoveredAt()).isEqualTo(1_700_000_300_000L);
    assertThat(first.actualDuration()).isEqualTo(180_000L);
    assertThat(first.reason()).isEqualTo(Reason.TIMEOUT);
    Outage open = collected.outages.get(1);
    assertThat(open.id()).isEqualTo("01HZZZZZZZZZZZZZZZZZZZZZZZ");
    assertThat(open.open()).isTrue();
    assertThat(open.reason()).isNull();
    assertThat(collected.outages.get(2).actualDuration()).isEqualTo(60_000L);

    assertThat(collected.watches).extracting(WatchSession::id).contains("w1", "w3");
    WatchSession w1 = collected.watches.get(0);
    assertThat(w1.endsAt()).isEqualTo(1_700_003_600_000L);
    assertThat(w1.endedAt()).isEqualTo(1_700_003_600_000L);
    WatchSession current = collected.watches.get(2);
    assertThat(current.active()).isTrue();
    assertThat(current.channels()).containsExactly("svc-1");

    assertThat(collected.custom).containsOnlyKeys("layout");
    assertThat(report(r, "custom_broken.json").damaged()).isTrue();
  }

  @Test
  @DisplayName("a current watch whose planned end has passed goes to the history")
  void endedCurrentWatch() throws IOException {
    Files.writeString(dir.resolve("currentWatch.json"),
        "{\"id\":\"old\",\"startTime\":" + (NOW - 7_200_000) + ",\"durationMs\":3600000,\"isActive\":true}");
    read();
    assertThat(collected.watches).singleElement().satisfies(w -> {
      assertThat(w.active()).isFalse();
      assertThat(w.endedAt()).isEqualTo(NOW - 3_600_000);
    });
  }

  @Test
  @DisplayName("a null current watch or a missing file is nothing to import")
  void nothing() throws IOException {
    Files.writeString(dir.resolve("currentWatch.json"), "null");
    LegacyReport r = read();
    assertThat(collected.watches).isEmpty();
    assertThat(r.records()).isZero();
  }

  @Test
  @DisplayName("a 5 MB file cut at byte 532480 yields every sample complete before the cut")
  void cutAt532480() throws IOException {
    LegacyFixtures fx = new LegacyFixtures();
    Path file = fx.channelStates(dir, 20, 5_000_000, 2);
    assertThat(Files.size(file)).isGreaterThan(532_480);
    cut(file, 532_480);
    LegacyReport r = read();
    int expected = (int) fx.sampleEnds.stream().filter(e -> e <= 532_480).count();
    assertThat(collected.samples).hasSize(expected);
    assertThat(collected.samples).extracting(Sample::channelId)
        .containsExactlyElementsOf(fx.sampleChannels.subList(0, expected));
    LegacyReport.FileReport f = report(r, "channelStates.json");
    assertThat(f.damaged()).isTrue();
    assertThat(f.records()).isEqualTo(expected);
    assertThat(f.unreadableBytes()).isEqualTo(532_480 - fx.sampleEnds.get(expected - 1) - ",\n      ".length());
  }

  @Test
  @DisplayName("cut anywhere, the file yields exactly the samples complete before the cut")
  void cutAnywhere() throws IOException {
    LegacyFixtures fx = new LegacyFixtures();
    Path file = fx.channelStates(dir, 4, 60_000, 3);
    byte[] whole = Files.readAllBytes(file);
    java.util.Random rnd = new java.util.Random(4);
    for (int i = 0; i < 60; i++) {
      int at = 1 + rnd.nextInt(whole.length - 1);
      Files.write(file, Arrays.copyOf(whole, at));
      collected = new Collected();
      read();
      long expected = fx.sampleEnds.stream().filter(e -> e <= at).count();
      assertThat(collected.samples).as("cut at %d", at).hasSize((int) expected);
    }
  }

  @Test
  @DisplayName("garbage in the middle loses only the damaged samples; those after it keep their channel")
  void garbageInTheMiddle() throws IOException {
    LegacyFixtures fx = new LegacyFixtures();
    Path file = fx.channelStates(dir, 5, 200_000, 5);
    byte[] data = Files.readAllBytes(file);
    int at = data.length / 3;
    byte[] junk = "\u0000\u0000#!garbage\"\"{{[".getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(junk, 0, data, at, junk.length);
    Files.write(file, data);
    LegacyReport r = read();
    assertThat(collected.samples.size()).isBetween(fx.samples - 3, fx.samples - 1);
    assertThat(collected.samples.get(collected.samples.size() - 1).channelId()).isEqualTo("svc-4");
    assertThat(collected.samples).extracting(Sample::channelId).containsSubsequence("svc-0", "svc-1", "svc-2", "svc-3", "svc-4");
    LegacyReport.FileReport f = report(r, "channelStates.json");
    assertThat(f.damaged()).isTrue();
    assertThat(f.unreadableBytes()).isPositive().isLessThan(600);
  }

  @Test
  @DisplayName("garbage appended after the document keeps every record and counts the garbage")
  void garbageAppended() throws IOException {
    LegacyFixtures fx = new LegacyFixtures();
    Path file = fx.channelStates(dir, 2, 10_000, 6);
    Files.write(file, "xyz-garbage".getBytes(StandardCharsets.US_ASCII), java.nio.file.StandardOpenOption.APPEND);
    LegacyReport r = read();
    assertThat(collected.samples).hasSize(fx.samples);
    assertThat(report(r, "channelStates.json").unreadableBytes()).isEqualTo("xyz-garbage".length());
  }

  @Test
  @DisplayName("a cut outages file yields the outages before the cut")
  void cutOutages() throws IOException {
    LegacyFixtures.outages(dir);
    Path file = dir.resolve("outages.json");
    String text = Files.readString(file);
    Files.writeString(file, text.substring(0, text.indexOf("svc-2") + 3));
    LegacyReport r = read();
    assertThat(collected.outages).hasSize(2);
    assertThat(report(r, "outages.json").damaged()).isTrue();
  }

  @Test
  @DisplayName("a sample breaking a rule is counted as invalid, the others are kept")
  void invalidRecords() throws IOException {
    Files.writeString(dir.resolve("channelStates.json"),
        "{\"api\":{\"samples\":[{\"t\":1700000000000,\"ok\":true},{\"t\":5,\"ok\":true},{\"t\":1700000060000,\"ok\":\"x\"}]}}");
    LegacyReport r = read();
    assertThat(collected.samples).hasSize(1);
    LegacyReport.FileReport f = report(r, "channelStates.json");
    assertThat(f.invalid()).isEqualTo(2);
    assertThat(f.problems()).hasSize(2);
  }

  @Test
  @DisplayName("the files are never modified")
  void readOnly() throws IOException {
    LegacyFixtures fx = new LegacyFixtures();
    Path file = fx.channelStates(dir, 2, 5_000, 7);
    cut(file, 3_000);
    byte[] before = Files.readAllBytes(file);
    read();
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  private static void cut(Path file, int at) throws IOException {
    byte[] data = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(data, at));
  }
}
