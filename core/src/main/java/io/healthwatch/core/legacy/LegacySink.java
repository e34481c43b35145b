package io.healthwatch.core.legacy;

import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;

/** Receives what a legacy directory holds, record by record, in file order. */
public interface LegacySink {
  void sample(Sample sample);

  void outage(Outage outage);

  /** An archived watch, or the active one ({@code endedAt} null). */
  void watch(WatchSession watch);

  /** A custom value: its key and its JSON text. */
  void custom(String key, String json);
}
