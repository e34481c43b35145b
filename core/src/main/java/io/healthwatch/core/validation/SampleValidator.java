package io.healthwatch.core.validation;

import com.fasterxml.jackson.databind.JsonNode;
import io.healthwatch.core.Limits;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Validates incoming samples against the rules of API.md and normalises the legacy shape ({@code
 * t}, {@code ok}, {@code details.note}, {@code error}) into the current one. Reports every broken
 * rule of every sample, not only the first.
 *
 * <p>A current field wins over its legacy twin when it is present and not null. A legacy {@code
 * error} string becomes the {@code reason} when it is one of the six reasons, and the {@code note}
 * otherwise. Unknown fields are ignored.
 */
public final class SampleValidator {
  private final LongSupplier clock;

  /** @param clock the server's time in epoch ms; samples may be at most 5 minutes ahead of it */
  public SampleValidator(LongSupplier clock) {
    this.clock = clock;
  }

  public ValidationResult validate(List<JsonNode> items) {
    long now = clock.getAsLong();
    List<Sample> samples = new ArrayList<>(items.size());
    List<Violation> violations = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Sample s = validateOne(i, items.get(i), now, violations);
      if (s != null) {
        samples.add(s);
      }
    }
    return violations.isEmpty() ? new ValidationResult(samples, List.of()) : new ValidationResult(List.of(), violations);
  }

  private Sample validateOne(int index, JsonNode node, long now, List<Violation> out) {
    if (node == null || !node.isObject()) {
      out.add(new Violation(index, null, "must be a JSON object"));
      return null;
    }
    int before = out.size();
    Fields f = new Fields(index, node, out);

    String channelId = f.id("channelId", true);

    Long timestamp = null;
    String tsField = f.pick("timestamp", "t");
    if (tsField == null) {
      f.fail("timestamp", "is required");
    } else {
      JsonNode ts = node.get(tsField);
      if (!ts.isIntegralNumber() || !ts.canConvertToLong()) {
        f.fail(tsField, "must be an integer (epoch milliseconds)");
      } else if (ts.asLong() < Limits.EARLIEST_TIMESTAMP) {
        f.fail(tsField, "must not be before 2000-01-01T00:00:00Z");
      } else if (ts.asLong() > now + Limits.MAX_CLOCK_SKEW_MS) {
        f.fail(tsField, "must not be more than 5 minutes ahead of the server's time");
      } else {
        timestamp = ts.asLong();
      }
    }

    Boolean success = null;
    String okField = f.pick("success", "ok");
    if (okField == null) {
      f.fail("success", "is required");
    } else if (!node.get(okField).isBoolean()) {
      f.fail(okField, "must be a boolean");
    } else {
      success = node.get(okField).asBoolean();
    }

    Long latency = null;
    JsonNode lat = node.get("latencyMs");
    if (lat != null && !lat.isNull()) {
      if (!lat.isIntegralNumber() || !lat.canConvertToLong()) {
        f.fail("latencyMs", "must be an integer or null");
      } else if (lat.asLong() < 0 || lat.asLong() > Limits.MAX_LATENCY_MS) {
        f.fail("latencyMs", "must be between 0 and " + Limits.MAX_LATENCY_MS);
      } else {
        latency = lat.asLong();
      }
    }

    // Legacy "error": a reason when it names one, a note otherwise.
    Reason legacyReason = null;
    String legacyNote = null;
    JsonNode error = node.get("error");
    if (error != null && !error.isNull()) {
      if (!error.isTextual()) {
        f.fail("error", "must be a string or null");
      } else {
        Optional<Reason> r = Reason.fromWire(error.asText());
        if (r.isPresent()) {
          legacyReason = r.get();
        } else {
          legacyNote = error.asText();
        }
      }
    }

    Reason reason = legacyReason;
    JsonNode reasonNode = node.get("reason");
    if (reasonNode != null && !reasonNode.isNull()) {
      Optional<Reason> r = reasonNode.isTextual() ? Reason.fromWire(reasonNode.asText()) : Optional.empty();
      if (r.isEmpty()) {
        f.fail("reason", "must be one of timeout, dns, tcp, tls, http, script, or null");
      } else {
        reason = r.get();
      }
    }

    String note = null;
    JsonNode noteNode = node.get("note");
    JsonNode details = node.get("details");
    if (noteNode != null && !noteNode.isNull()) {
      note = f.note("note", noteNode);
    } else if (details != null && !details.isNull() && details.has("note") && !details.get("note").isNull()) {
      if (!details.isObject()) {
        f.fail("details", "must be an object");
      } else {
        note = f.note("details.note", details.get("note"));
      }
    } else if (legacyNote != null) {
      note = f.note("error", error);
    }

    String probeId = f.id("probeId", false);

    if (out.size() > before) {
      return null;
    }
    return new Sample(channelId, timestamp, success, latency, reason, note, probeId);
  }

  /** Field access for one sample, collecting violations. */
  private static final class Fields {
    private final int index;
    private final JsonNode node;
    private final List<Violation> out;

    Fields(int index, JsonNode node, List<Violation> out) {
      this.index = index;
      this.node = node;
      this.out = out;
    }

    void fail(String field, String message) {
      out.add(new Violation(index, field, message));
    }

    /** The name of the field to use: the current one if present and not null, else the legacy one. */
    String pick(String current, String legacy) {
      JsonNode c = node.get(current);
      if (c != null && !c.isNull()) {
        return current;
      }
      JsonNode l = node.get(legacy);
      if (l != null && !l.isNull()) {
        return legacy;
      }
      return null;
    }

    String id(String field, boolean required) {
      JsonNode v = node.get(field);
      if (v == null || v.isNull()) {
        if (required) {
          fail(field, "is required");
        }
        return null;
      }
      if (!v.isTextual()) {
        fail(field, "must be a string");
        return null;
      }
      if (!Limits.isValidId(v.asText())) {
        fail(field, "must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$");
        return null;
      }
      return v.asText();
    }

    String note(String field, JsonNode v) {
      if (!v.isTextual()) {
        fail(field, "must be a string or null");
        return null;
      }
      String text = v.asText();
      if (text.codePointCount(0, text.length()) > Limits.MAX_NOTE_LENGTH) {
        fail(field, "must be at most " + Limits.MAX_NOTE_LENGTH + " characters");
        return null;
      }
      return text;
    }
  }
}
