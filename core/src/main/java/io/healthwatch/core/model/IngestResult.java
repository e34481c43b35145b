package io.healthwatch.core.model;

import java.util.List;

/**
 * What storing one batch did: how many samples were new, how many were already stored, and the
 * events it caused, in order.
 */
public record IngestResult(int accepted, int duplicates, List<StoreEvent> events) {
  public IngestResult {
    events = List.copyOf(events);
  }
}
