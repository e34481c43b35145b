package io.healthwatch.core.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SampleValidatorTest {
  static final long NOW = 1_764_000_000_000L;
  final SampleValidator validator = new SampleValidator(() -> NOW);

  static JsonNode node(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  ValidationResult validate(String... jsons) {
    List<JsonNode> nodes = new ArrayList<>();
    for (String j : jsons) {
      nodes.add(node(j));
    }
    return validator.validate(nodes);
  }

  Sample one(String json) {
    ValidationResult r = validate(json);
    assertThat(r.violations()).isEmpty();
    return r.samples().get(0);
  }

  List<Violation> violations(String json) {
    ValidationResult r = validate(json);
    assertThat(r.valid()).isFalse();
    assertThat(r.samples()).isEmpty();
    return r.violations();
  }

  @Test
  @DisplayName("a full current sample is taken as it is")
  void fullSample() {
    Sample s = one("{\"channelId\":\"api\",\"timestamp\":" + NOW + ",\"success\":false,\"latencyMs\":42,"
        + "\"reason\":\"timeout\",\"note\":\"slow\",\"probeId\":\"eu-1\"}");
    assertThat(s).isEqualTo(new Sample("api", NOW, false, 42L, Reason.TIMEOUT, "slow", "eu-1"));
  }

  @Test
  @DisplayName("optional fields may be missing or null, and the probe defaults to \"default\"")
  void minimalSample() {
    Sample s = one("{\"channelId\":\"api\",\"timestamp\":" + NOW + ",\"success\":true,\"latencyMs\":null,"
        + "\"reason\":null,\"note\":null,\"probeId\":null}");
    assertThat(s).isEqualTo(new Sample("api", NOW, true, null, null, null, "default"));
    assertThat(one("{\"channelId\":\"api\",\"timestamp\":" + NOW + ",\"success\":true}").probeId()).isEqualTo("default");
  }

  @Test
  @DisplayName("unknown fields are ignored")
  void unknownFields() {
    assertThat(one("{\"channelId\":\"api\",\"timestamp\":" + NOW + ",\"success\":true,\"extra\":{\"x\":1}}").channelId())
        .isEqualTo("api");
  }

  @Nested
  @DisplayName("channelId and probeId")
  class Ids {
    @ParameterizedTest
    @ValueSource(strings = {"a", "A1", "api.v2", "eu-west:1", "x_y", "9"})
    @DisplayName("ids matching the pattern are accepted")
    void validIds(String id) {
      assertThat(one("{\"channelId\":\"" + id + "\",\"probeId\":\"" + id + "\",\"timestamp\":" + NOW + ",\"success\":true}")
          .channelId()).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-api", ".api", "_a", "a b", "a/b", "é", "a\\n"})
    @DisplayName("ids breaking the pattern are refused, channel and probe alike")
    void invalidIds(String id) {
      String json = "{\"channelId\":\"" + id + "\",\"probeId\":\"" + id + "\",\"timestamp\":" + NOW + ",\"success\":true}";
      assertThat(violations(json)).extracting(Violation::field).containsExactly("channelId", "probeId");
    }

    @Test
    @DisplayName("an id of 128 characters is accepted, 129 is refused")
    void idLength() {
      String ok = "a".repeat(128);
      assertThat(one("{\"channelId\":\"" + ok + "\",\"timestamp\":" + NOW + ",\"success\":true}").channelId()).isEqualTo(ok);
      assertThat(violations("{\"channelId\":\"" + ok + "b\",\"timestamp\":" + NOW + ",\"success\":true}"))
          .extracting(Violation::field).containsExactly("channelId");
    }

    @Test
    @DisplayName("a missing or non-string channelId is refused")
    void channelRequired() {
      assertThat(violations("{\"timestamp\":" + NOW + ",\"success\":true}"))
          .extracting(Violation::field, Violation::message).containsExactly(tuple("channelId", "is required"));
      assertThat(violations("{\"channelId\":5,\"timestamp\":" + NOW + ",\"success\":true}"))
          .extracting(Violation::field, Violation::message).containsExactly(tuple("channelId", "must be a string"));
      assertThat(violations("{\"channelId\":\"a\",\"probeId\":[],\"timestamp\":" + NOW + ",\"success\":true}"))
          .extracting(Violation::field).containsExactly("probeId");
    }
  }

  @Nested
  @DisplayName("timestamp")
  class Timestamps {
    @Test
    @DisplayName("is required")
    void required() {
      assertThat(violations("{\"channelId\":\"a\",\"success\":true}"))
          .extracting(Violation::field, Violation::message).containsExactly(tuple("timestamp", "is required"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"1764000000000\"", "1764000000000.5", "true", "{}", "1e400"})
    @DisplayName("must be an integer")
    void integer(String value) {
      assertThat(violations("{\"channelId\":\"a\",\"timestamp\":" + value + ",\"success\":true}"))
          .extracting(Violation::field).containsExactly("timestamp");
    }

    @Test
    @DisplayName("must be from 2000-01-01 on")
    void notBefore2000() {
      assertThat(one("{\"channelId\":\"a\",\"timestamp\":946684800000,\"success\":true}").timestamp())
          .isEqualTo(946_684_800_000L);
      assertThat(violations("{\"channelId\":\"a\",\"timestamp\":946684799999,\"success\":true}"))
          .extracting(Violation::field).containsExactly("timestamp");
      assertThat(violations("{\"channelId\":\"a\",\"timestamp\":-1,\"success\":true}")).hasSize(1);
    }

    @Test
    @DisplayName("may be at most 5 minutes ahead of the server's time")
    void notInTheFuture() {
      assertThat(one("{\"channelId\":\"a\",\"timestamp\":" + (NOW + 300_000) + ",\"success\":true}")).isNotNull();
      assertThat(violations("{\"channelId\":\"a\",\"timestamp\":" + (NOW + 300_001) + ",\"success\":true}"))
          .extracting(Violation::field).containsExactly("timestamp");
    }
  }

  @Nested
  @DisplayName("success, latencyMs, reason, note")
  class Fields {
    @Test
    @DisplayName("success is a required boolean")
    void success() {
      assertThat(violations("{\"channelId\":\"a\",\"timestamp\":" + NOW + "}"))
          .extracting(Violation::field, Violation::message).containsExactly(tuple("success", "is required"));
      assertThat(violations("{\"channelId\":\"a\",\"timestamp\":" + NOW + ",\"success\":\"true\"}"))
          .extracting(Violation::field).containsExactly("success");
      assertThat(violations("{\"channelId\":\"a\",\"timestamp\":" + NOW + ",\"success\":1}"))
          .extracting(Violation::field).containsExactly("success");
    }

    @Test
    @DisplayName("latencyMs is an integer from 0 to 3,600,000 or null")
    void latency() {
      String base = "{\"channelId\":\"a\",\"timestamp\":" + NOW + ",\"success\":true,\"latencyMs\":";
      assertThat(one(base + "0}").latencyMs()).isZero();
      assertThat(one(base + "3600000}").latencyMs()).isEqualTo(3_600_000L);
      assertThat(violations(base + "3600001}")).extracting(Violation::field).containsExactly("latencyMs");
      assertThat(violations(base + "-1}")).extracting(Violation::field).containsExactly("latencyMs");
      assertThat(violations(base + "1.5}")).extracting(Violation::field).containsExactly("latencyMs");
      assertThat(violations(base + "\"5\"}")).extracting(Violation::field).containsExactly("latencyMs");
    }

    @ParameterizedTest
    @ValueSource(strings = {"timeout", "dns", "tcp", "tls", "http", "script"})
    @DisplayName("each of the six reasons is accepted")
    void reasons(String reason) {
      assertThat(one("{\"channelId\":\"a\",\"timestamp\":" + NOW + ",\"success\":false,\"reason\":\"" + reason + "\"}")
          .reason().wireName()).isEqualTo(reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"TIMEOUT\"", "\"other\"", "\"\"", "5", "[]"})
    @DisplayName("any other reason is refused")
    void badReason(String reason) {
      assertThat(violations("{\"channelId\":\"a\",\"timestamp\":" + NOW + ",\"success\":false,\"reason\":" + reason + "}"))
          .extracting(Violation::field).containsExactly("reason");
    }

    @Test
    @DisplayName("a note has at most 1,024 characters, counted as characters not bytes")
    void note() {
      String base = "{\"channelId\":\"a\",\"timestamp\":" + NOW + ",\"success\":true,\"note\":";
      assertThat(one(base + "\"" + "ü".repeat(1024) + "\"}").note()).hasSize(1024);
      assertThat(violations(base + "\"" + "x".repeat(1025) + "\"}")).extracting(Violation::field).containsExactly("note");
      assertThat(violations(base + "5}")).extracting(Violation::field).containsExactly("note");
    }
  }

  @Nested
  @DisplayName("legacy fields")
  class Legacy {
    @Test
    @DisplayName("t, ok, details.note and error are normalised")
    void legacyShape() {
      Sample s = one("{\"channelId\":\"api\",\"t\":" + NOW + ",\"ok\":false,\"latencyMs\":5,"
          + "\"error\":\"dns\",\"details\":{\"note\":\"NXDOMAIN\"}}");
      assertThat(s).isEqualTo(new Sample("api", NOW, false, 5L, Reason.DNS, "NXDOMAIN", "default"));
    }

    @Test
    @DisplayName("an error that is not a reason becomes the note")
    void errorAsNote() {
      Sample s = one("{\"channelId\":\"api\",\"t\":" + NOW + ",\"ok\":false,\"error\":\"Connection refused\"}");
      assertThat(s.reason()).isNull();
      assertThat(s.note()).isEqualTo("Connection refused");
    }

    @Test
    @DisplayName("the current field wins over its legacy twin")
    void currentWins() {
      Sample s = one("{\"channelId\":\"api\",\"timestamp\":" + NOW + ",\"t\":" + (NOW - 5) + ",\"success\":true,"
          + "\"ok\":false,\"reason\":\"tls\",\"error\":\"dns\",\"note\":\"current\",\"details\":{\"note\":\"legacy\"}}");
      assertThat(s).isEqualTo(new Sample("api", NOW, true, null, Reason.TLS, "current", "default"));
      Sample noteWins = one("{\"channelId\":\"api\",\"t\":" + NOW + ",\"ok\":false,\"error\":\"boom\",\"note\":\"n\"}");
      assertThat(noteWins.note()).isEqualTo("n");
      Sample detailsBeforeError = one("{\"channelId\":\"api\",\"t\":" + NOW + ",\"ok\":false,\"error\":\"boom\","
          + "\"details\":{\"note\":\"d\"}}");
      assertThat(detailsBeforeError.note()).isEqualTo("d");
    }

    @Test
    @DisplayName("a null current field falls back to the legacy one")
    void nullCurrentFallsBack() {
      Sample s = one("{\"channelId\":\"api\",\"timestamp\":null,\"t\":" + NOW + ",\"success\":null,\"ok\":true}");
      assertThat(s.timestamp()).isEqualTo(NOW);
      assertThat(s.success()).isTrue();
    }

    @Test
    @DisplayName("broken legacy fields are reported under their own names")
    void legacyViolations() {
      assertThat(violations("{\"channelId\":\"api\",\"t\":\"x\",\"ok\":\"yes\",\"error\":5,\"details\":{\"note\":7}}"))
          .extracting(Violation::field).containsExactlyInAnyOrder("t", "ok", "error", "details.note");
    }

    @Test
    @DisplayName("an error note longer than 1,024 characters is refused")
    void longErrorNote() {
      assertThat(violations("{\"channelId\":\"api\",\"t\":" + NOW + ",\"ok\":false,\"error\":\"" + "e".repeat(1025) + "\"}"))
          .extracting(Violation::field).containsExactly("error");
    }
  }

  @Test
  @DisplayName("every broken rule of every sample is reported with its index and field, and nothing is kept")
  void everyViolation() {
    ValidationResult r = validate(
        "{\"channelId\":\"ok\",\"timestamp\":" + NOW + ",\"success\":true}",
        "{\"channelId\":\"-bad\",\"timestamp\":\"x\",\"success\":1,\"latencyMs\":-5,\"reason\":\"nope\",\"note\":1}",
        "[1,2]",
        "{\"channelId\":\"ok2\",\"success\":true}");
    assertThat(r.samples()).isEmpty();
    assertThat(r.violations()).extracting(Violation::index, Violation::field).containsExactly(
        tuple(1, "channelId"), tuple(1, "timestamp"), tuple(1, "success"), tuple(1, "latencyMs"), tuple(1, "reason"),
        tuple(1, "note"), tuple(2, null), tuple(3, "timestamp"));
  }

  @Test
  @DisplayName("a valid batch keeps its order")
  void order() {
    ValidationResult r = validate("{\"channelId\":\"b\",\"t\":" + NOW + ",\"ok\":true}",
        "{\"channelId\":\"a\",\"timestamp\":" + (NOW - 1) + ",\"success\":false}");
    assertThat(r.samples()).extracting(Sample::channelId).containsExactly("b", "a");
  }
}
