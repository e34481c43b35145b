package io.healthwatch.server.api;

/** Named request parameters as text: HTTP query parameters or the fields of a query frame. */
@FunctionalInterface
public interface Params {
  /** The value, or null when absent. */
  String get(String name);
}
