package io.healthwatch.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Optional;

/** Why a probe failed. The six values are the only ones ever stored. */
public enum Reason {
  TIMEOUT, DNS, TCP, TLS, HTTP, SCRIPT;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The reason with exactly this wire name, if there is one. */
  public static Optional<Reason> fromWire(String value) {
    if (value == null) {
      return Optional.empty();
    }
    for (Reason r : values()) {
      if (r.wireName().equals(value)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }

  @JsonCreator
  static Reason parse(String value) {
    return fromWire(value).orElseThrow(() -> new IllegalArgumentException("unknown reason: " + value));
  }
}
