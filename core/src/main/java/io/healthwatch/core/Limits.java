package io.healthwatch.core;

import java.util.regex.Pattern;

/** The limits of the public contract (API.md), in one place. */
public final class Limits {
  /** Channel ids, probe ids and custom keys. */
  public static final Pattern ID_PATTERN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
  /** 2000-01-01T00:00:00Z: no sample is older. */
  public static final long EARLIEST_TIMESTAMP = 946_684_800_000L;
  /** How far ahead of the server's clock a sample may be. */
  public static final long MAX_CLOCK_SKEW_MS = 5 * 60_000L;
  public static final long MAX_LATENCY_MS = 3_600_000L;
  public static final int MAX_NOTE_LENGTH = 1_024;
  public static final int MAX_BATCH_SAMPLES = 10_000;
  public static final int DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
  public static final int MAX_CUSTOM_VALUE_BYTES = 1024 * 1024;
  public static final int DEFAULT_QUERY_LIMIT = 100;
  public static final int MAX_QUERY_LIMIT = 10_000;
  public static final long DEFAULT_STATS_WINDOW_MS = 24 * 3_600_000L;

  private Limits() {}

  public static boolean isValidId(String s) {
    return s != null && ID_PATTERN.matcher(s).matches();
  }
}
