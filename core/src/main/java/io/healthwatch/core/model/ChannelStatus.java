package io.healthwatch.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The derived state of a channel: {@code unknown} until the first sample. */
public enum ChannelStatus {
  UNKNOWN, ONLINE, OFFLINE;

  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  static ChannelStatus parse(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
