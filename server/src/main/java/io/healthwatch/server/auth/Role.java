package io.healthwatch.server.auth;

import java.util.Locale;
import java.util.Optional;

/** What a token may do. {@code admin} implies every other role. */
public enum Role {
  INGEST, READ, ADMIN;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> fromWire(String value) {
    for (Role r : values()) {
      if (r.wireName().equals(value)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
