package io.healthwatch.storage.disk.impl;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.storage.RestoreBatch;
import java.util.List;

/**
 * One record of the log: a mutation whose replay reproduces the state exactly. {@code type} is one
 * of the constants below; a record without a type (a filler over damaged bytes) changes nothing.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record LogEntry(String type, List<Sample> samples, WatchSession watch, String key, String value, String channel,
    Long cutoff, RestoreBatch restored) {
  static final String BATCH = "batch";
  static final String WATCH_START = "watchStart";
  static final String WATCH_END = "watchEnd";
  static final String CUSTOM_PUT = "customPut";
  static final String CUSTOM_DELETE = "customDelete";
  static final String CHANNEL_DELETE = "channelDelete";
  static final String RETENTION = "retention";
  /** Records restored as they are; the samples sit in {@code samples}, the rest in {@code restored}. */
  static final String RESTORE = "restore";

  static LogEntry batch(List<Sample> samples) {
    return new LogEntry(BATCH, samples, null, null, null, null, null, null);
  }

  static LogEntry watch(String type, WatchSession w) {
    return new LogEntry(type, null, w, null, null, null, null, null);
  }

  static LogEntry customPut(String key, String value) {
    return new LogEntry(CUSTOM_PUT, null, null, key, value, null, null, null);
  }

  static LogEntry customDelete(String key) {
    return new LogEntry(CUSTOM_DELETE, null, null, key, null, null, null, null);
  }

  static LogEntry channelDelete(String channel) {
    return new LogEntry(CHANNEL_DELETE, null, null, null, null, channel, null, null);
  }

  static LogEntry restore(List<Sample> samples, RestoreBatch rest) {
    return new LogEntry(RESTORE, samples, null, null, null, null, null,
        new RestoreBatch(rest.channels(), null, rest.outages(), rest.watches(), rest.custom()));
  }

  static LogEntry retention(long cutoff) {
    return new LogEntry(RETENTION, null, null, null, null, null, cutoff, null);
  }
}
