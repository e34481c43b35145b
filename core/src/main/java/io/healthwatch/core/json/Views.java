package io.healthwatch.core.json;

/**
 * Jackson views. Fields marked {@link Internal} are kept by storage (snapshots, rows) but never
 * shown to API clients, which are written with {@link Public}.
 */
public final class Views {
  private Views() {}

  /** What clients see. */
  public interface Public {}

  /** Bookkeeping that backends persist but clients never see. */
  public interface Internal {}
}
