package io.healthwatch.core.legacy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Writes legacy directories as the earlier extension did: pretty-printed JSON with two-space
 * indentation, legacy field names mixed with current ones. Remembers where each sample ends so
 * tests know exactly which records a cut file still holds.
 */
final class LegacyFixtures {
  static final long T0 = 1_700_000_000_000L;

  /** Byte offsets just after each sample object of channelStates.json, in file order. */
  final List<Integer> sampleEnds = new ArrayList<>();
  final List<String> sampleChannels = new ArrayList<>();
  int samples;

  /** Writes a channelStates.json of about {@code targetBytes}, over {@code channels} channels. */
  Path channelStates(Path dir, int channels, long targetBytes, long seed) throws IOException {
    Random rnd = new Random(seed);
    int perChannel = (int) Math.max(1, targetBytes / 150 / channels);
    StringBuilder sb = new StringBuilder("{\n");
    for (int c = 0; c < channels; c++) {
      String ch = "svc-" + c;
      sb.append("  \"").append(ch).append("\": {\n");
      sb.append("    \"state\": \"online\",\n    \"consecutiveFailures\": 0,\n    \"samples\": [\n");
      for (int i = 0; i < perChannel; i++) {
        long t = T0 + i * 60_000L;
        boolean ok = rnd.nextInt(10) != 0;
        sb.append("      {");
        if (i % 2 == 0) {
          sb.append("\"t\": ").append(t).append(", \"ok\": ").append(ok);
        } else {
          sb.append("\"timestamp\": ").append(t).append(", \"success\": ").append(ok);
        }
        sb.append(", \"latencyMs\": ").append(20 + rnd.nextInt(200));
        if (!ok) {
          if (i % 3 == 0) {
            sb.append(", \"error\": \"timeout\"");
          } else {
            sb.append(", \"error\": \"connect ECONNREFUSED 10.0.0.").append(rnd.nextInt(255)).append(":443\"");
          }
          sb.append(", \"details\": {\"note\": \"attempt ").append(i).append("\"}");
        }
        sb.append("}");
        sampleEnds.add(sb.length());
        sampleChannels.add(ch);
        samples++;
        sb.append(i + 1 < perChannel ? ",\n" : "\n");
      }
      sb.append("    ],\n    \"lastStateChange\": ").append(T0).append("\n  }");
      sb.append(c + 1 < channels ? ",\n" : "\n");
    }
    sb.append("}\n");
    Path file = dir.resolve("channelStates.json");
    Files.writeString(file, sb, StandardCharsets.UTF_8);
    return file;
  }

  static void outages(Path dir) throws IOException {
    Files.writeString(dir.resolve("outages.json"), """
        [
          {"channelId": "svc-0", "startTime": 1700000120000, "endTime": 1700000300000, "duration": 180000, "failureCount": 3, "reason": "timeout"},
          {"id": "01HZZZZZZZZZZZZZZZZZZZZZZZ", "channelId": "svc-1", "firstFailureAt": 1700000000000, "confirmedAt": 1700000120000, "recoveredAt": null, "failureCount": 4, "reason": "Connection refused"},
          {"channelId": "svc-2", "confirmedAt": 1700000500000, "endTime": 1700000560000}
        ]
        """);
  }

  static void watches(Path dir, long now) throws IOException {
    Files.writeString(dir.resolve("watchHistory.json"), """
        [
          {"id": "w1", "startTime": 1700000000000, "endTime": 1700003600000, "durationMs": 3600000, "channels": ["svc-0"], "isActive": false},
          {"startedAt": 1700010000000, "endedAt": 1700010600000, "channels": []}
        ]
        """);
    Files.writeString(dir.resolve("currentWatch.json"),
        "{\"id\": \"w3\", \"startTime\": " + (now - 1_000) + ", \"durationMs\": 600000, \"channels\": [\"svc-1\"], \"isActive\": true}");
  }

  static void custom(Path dir) throws IOException {
    Files.writeString(dir.resolve("custom_layout.json"), "{\"columns\": 3, \"order\": [\"svc-1\", \"svc-0\"]}");
    Files.writeString(dir.resolve("custom_broken.json"), "{\"columns\": 3, \"ord");
  }
}
