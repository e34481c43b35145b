package io.healthwatch.core.storage;

import java.util.List;
import java.util.Map;

/**
 * The readiness report of a store. {@code DOWN} means it cannot take writes now; {@code DEGRADED}
 * means it takes writes but something needs an operator's attention (for example data kept aside
 * as corrupt). {@code problems} says why in plain words; {@code details} holds figures for
 * {@code /health/ready} and metrics.
 */
public record StoreHealth(Status status, List<String> problems, CacheUsage cache, Map<String, Object> details) {

  public enum Status { UP, DEGRADED, DOWN }

  public StoreHealth {
    problems = List.copyOf(problems);
    details = Map.copyOf(details);
  }

  public boolean writable() {
    return status != Status.DOWN;
  }

  /** How much the in-memory cache holds now; bounded by {@link StoreOptions}. */
  public record CacheUsage(long samples, int maxSamplesPerChannel, int outages, int watches) {}
}
