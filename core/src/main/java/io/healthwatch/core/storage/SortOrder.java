package io.healthwatch.core.storage;

import java.util.Locale;
import java.util.Optional;

/** Order of a window query by timestamp. */
public enum SortOrder {
  ASC, DESC;

  public static Optional<SortOrder> fromWire(String value) {
    for (SortOrder o : values()) {
      if (o.name().toLowerCase(Locale.ROOT).equals(value)) {
        return Optional.of(o);
      }
    }
    return Optional.empty();
  }
}
