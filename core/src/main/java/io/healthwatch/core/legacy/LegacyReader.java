package io.healthwatch.core.legacy;

import com.fasterxml.jackson.databind.JsonNode;
import io.healthwatch.core.Limits;
import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.rules.Ids;
import io.healthwatch.core.validation.SampleValidator;
import io.healthwatch.core.validation.ValidationResult;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Reads the earlier extension's directory of JSON files (LEGACY.md): {@code channelStates.json},
 * {@code outages.json}, {@code currentWatch.json}, {@code watchHistory.json} and {@code
 * custom_<key>.json}. Every file is optional and may mix legacy and current field names. A file
 * that does not parse is read tolerantly: every complete record before the damage, and after it
 * where the structure can be picked up again. The files are only read, never modified.
 */
public final class LegacyReader {
  private static final int MAX_PROBLEMS = 5;
  private final long now;
  private final SampleValidator validator;

  /** @param now the time of the import: a current watch planned to end before it is archived */
  public LegacyReader(long now) {
    this.now = now;
    this.validator = new SampleValidator(() -> now);
  }

  public LegacyReport read(Path dir, LegacySink sink) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("not a directory: " + dir);
    }
    List<LegacyReport.FileReport> reports = new ArrayList<>();
    readFile(dir.resolve("channelStates.json"), TolerantJsonReader.Layout.CHANNEL_MAP, LegacyReader::looksLikeSample,
        this::sample, sink::sample, reports);
    readFile(dir.resolve("outages.json"), TolerantJsonReader.Layout.ARRAY, n -> n.has("channelId"),
        LegacyReader::outage, sink::outage, reports);
    readFile(dir.resolve("watchHistory.json"), TolerantJsonReader.Layout.ARRAY, LegacyReader::looksLikeWatch,
        n -> watch(n, false), sink::watch, reports);
    readCurrentWatch(dir.resolve("currentWatch.json"), sink, reports);
    try (DirectoryStream<Path> customs = Files.newDirectoryStream(dir, "custom_*.json")) {
      List<Path> sorted = new ArrayList<>();
      customs.forEach(sorted::add);
      sorted.sort(null);
      for (Path p : sorted) {
        readCustom(p, sink, reports);
      }
    }
    return new LegacyReport(reports);
  }

  private <T> void readFile(Path file, TolerantJsonReader.Layout layout, Predicate<JsonNode> looksLike,
      Function<JsonNode, T> convert, java.util.function.Consumer<T> sink, List<LegacyReport.FileReport> reports)
      throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    byte[] data = Files.readAllBytes(file);
    long[] counts = new long[2];
    List<String> problems = new ArrayList<>();
    TolerantJsonReader.Outcome outcome = TolerantJsonReader.read(data, layout, looksLike, (node, offset) -> {
      T value;
      try {
        value = convert.apply(node);
      } catch (IllegalArgumentException e) {
        counts[1]++;
        if (problems.size() < MAX_PROBLEMS) {
          problems.add("record at byte " + offset + ": " + e.getMessage());
        }
        return;
      }
      counts[0]++;
      sink.accept(value);
    });
    if (outcome.damaged() && problems.size() < MAX_PROBLEMS) {
      problems.add("damaged: " + outcome.unreadableBytes() + " bytes could not be read");
    }
    reports.add(new LegacyReport.FileReport(file.getFileName().toString(), counts[0], counts[1], outcome.damaged(),
        outcome.unreadableBytes(), problems));
  }

  private void readCurrentWatch(Path file, LegacySink sink, List<LegacyReport.FileReport> reports) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    byte[] data = Files.readAllBytes(file);
    try {
      JsonNode n = Json.MAPPER.readTree(data);
      if (n == null || n.isNull() || n.isMissingNode()) {
        reports.add(new LegacyReport.FileReport(file.getFileName().toString(), 0, 0, false, 0, List.of()));
        return;
      }
      WatchSession w = watch(n, true);
      sink.watch(w);
      reports.add(new LegacyReport.FileReport(file.getFileName().toString(), 1, 0, false, 0, List.of()));
    } catch (IOException e) {
      reports.add(new LegacyReport.FileReport(file.getFileName().toString(), 0, 0, true, data.length,
          List.of("does not parse: " + firstLine(e.getMessage()))));
    } catch (IllegalArgumentException e) {
      reports.add(new LegacyReport.FileReport(file.getFileName().toString(), 0, 1, false, 0, List.of(e.getMessage())));
    }
  }

  private void readCustom(Path file, LegacySink sink, List<LegacyReport.FileReport> reports) throws IOException {
    String name = file.getFileName().toString();
    String key = name.substring("custom_".length(), name.length() - ".json".length());
    byte[] data = Files.readAllBytes(file);
    if (!Limits.isValidId(key)) {
      reports.add(new LegacyReport.FileReport(name, 0, 1, false, 0, List.of("key does not match the id pattern")));
      return;
    }
    try {
      JsonNode value = Json.MAPPER.readTree(data);
      if (value == null || value.isMissingNode()) {
        throw new IOException("empty file");
      }
      sink.custom(key, Json.MAPPER.writeValueAsString(value));
      reports.add(new LegacyReport.FileReport(name, 1, 0, false, 0, List.of()));
    } catch (IOException e) {
      reports.add(new LegacyReport.FileReport(name, 0, 0, true, data.length,
          List.of("does not parse: " + firstLine(e.getMessage()))));
    }
  }

  private Sample sample(JsonNode node) {
    ValidationResult r = validator.validate(List.of(node));
    if (!r.valid()) {
      var v = r.violations().get(0);
      throw new IllegalArgumentException(v.field() + " " + v.message());
    }
    return r.samples().get(0);
  }

  static boolean looksLikeSample(JsonNode n) {
    return (n.has("t") || n.has("timestamp")) && (n.has("ok") || n.has("success"));
  }

  static boolean looksLikeWatch(JsonNode n) {
    return n.has("startTime") || n.has("startedAt");
  }

  static Outage outage(JsonNode n) {
    String channelId = text(n, "channelId", null);
    if (!Limits.isValidId(channelId)) {
      throw new IllegalArgumentException("channelId missing or invalid");
    }
    Long confirmed = number(n, "confirmedAt", "startTime");
    Long first = number(n, "firstFailureAt", null);
    if (confirmed == null) {
      confirmed = first;
    }
    if (confirmed == null) {
      throw new IllegalArgumentException("no confirmedAt or startTime");
    }
    if (first == null) {
      first = confirmed;
    }
    Long recovered = number(n, "recoveredAt", "endTime");
    Long duration = number(n, "actualDuration", "duration");
    if (recovered != null && duration == null) {
      duration = recovered - first;
    }
    if (recovered == null) {
      duration = null;
    }
    Long failures = number(n, "failureCount", null);
    Reason reason = Reason.fromWire(text(n, "reason", null)).orElse(null);
    String id = text(n, "id", null);
    if (id == null || id.isBlank()) {
      id = Ids.derived(first, channelId, "legacy", Long.toString(confirmed));
    }
    return new Outage(id, channelId, first, confirmed, recovered, duration,
        failures == null ? 0 : failures.intValue(), reason);
  }

  private WatchSession watch(JsonNode n, boolean fromCurrent) {
    Long started = number(n, "startedAt", "startTime");
    if (started == null) {
      throw new IllegalArgumentException("no startedAt or startTime");
    }
    Long ended = number(n, "endedAt", "endTime");
    Long endsAt = number(n, "endsAt", null);
    Long duration = number(n, "durationMs", null);
    if (endsAt == null) {
      endsAt = duration != null ? started + duration : (ended != null ? ended : started);
    }
    if (ended == null && (!fromCurrent || endsAt <= now || n.path("isActive").asBoolean(true) == false)) {
      ended = Math.min(endsAt, now);
    }
    List<String> channels = new ArrayList<>();
    for (JsonNode c : n.path("channels")) {
      if (c.isTextual() && Limits.isValidId(c.asText())) {
        channels.add(c.asText());
      }
    }
    String id = text(n, "id", null);
    if (id == null || id.isBlank()) {
      id = Ids.derived(started, "legacy-watch");
    }
    return new WatchSession(id, started, endsAt, ended, channels, null);
  }

  private static String text(JsonNode n, String field, String fallback) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.asText() : fallback;
  }

  /** The current field if it is a number, else the legacy one, else null. */
  private static Long number(JsonNode n, String current, String legacy) {
    JsonNode v = n.get(current);
    if (v != null && v.isNumber()) {
      return v.asLong();
    }
    if (legacy != null) {
      JsonNode l = n.get(legacy);
      if (l != null && l.isNumber()) {
        return l.asLong();
      }
    }
    return null;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
