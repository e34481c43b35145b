package io.healthwatch.core.storage;

import java.time.Clock;

/**
 * Settings every backend shares: the outage rule and the bounds of the in-memory cache. Defaults
 * are those of the public contract.
 */
public class StoreOptions {
  public static final int DEFAULT_OUTAGE_THRESHOLD = 3;
  public static final int DEFAULT_CACHED_SAMPLES_PER_CHANNEL = 1_000;
  public static final int DEFAULT_CACHED_OUTAGES = 500;
  public static final int DEFAULT_ARCHIVED_WATCHES = 50;
  public static final int DEFAULT_RETENTION_DAYS = 30;
  public static final int DEFAULT_ROLLUP_RETENTION_DAYS = 400;
  private static final long DAY_MS = 86_400_000L;

  private int outageThreshold = DEFAULT_OUTAGE_THRESHOLD;
  private int maxCachedSamplesPerChannel = DEFAULT_CACHED_SAMPLES_PER_CHANNEL;
  private int maxCachedOutages = DEFAULT_CACHED_OUTAGES;
  private int maxArchivedWatches = DEFAULT_ARCHIVED_WATCHES;
  private int retentionDays = DEFAULT_RETENTION_DAYS;
  private int rollupRetentionDays = DEFAULT_ROLLUP_RETENTION_DAYS;
  private Clock clock = Clock.systemUTC();
  private StorageListener storageListener = StorageListener.NONE;

  public StoreOptions() {}

  public StoreOptions(StoreOptions other) {
    this.outageThreshold = other.outageThreshold;
    this.maxCachedSamplesPerChannel = other.maxCachedSamplesPerChannel;
    this.maxCachedOutages = other.maxCachedOutages;
    this.maxArchivedWatches = other.maxArchivedWatches;
    this.retentionDays = other.retentionDays;
    this.rollupRetentionDays = other.rollupRetentionDays;
    this.clock = other.clock;
    this.storageListener = other.storageListener;
  }

  /** Consecutive failures that take a channel offline and open an outage. */
  public int getOutageThreshold() {
    return outageThreshold;
  }

  public StoreOptions setOutageThreshold(int outageThreshold) {
    if (outageThreshold < 1) {
      throw new IllegalArgumentException("outage threshold must be at least 1");
    }
    this.outageThreshold = outageThreshold;
    return this;
  }

  /** The newest samples kept in memory per channel; older ones are read from the backend. */
  public int getMaxCachedSamplesPerChannel() {
    return maxCachedSamplesPerChannel;
  }

  public StoreOptions setMaxCachedSamplesPerChannel(int value) {
    this.maxCachedSamplesPerChannel = value;
    return this;
  }

  public int getMaxCachedOutages() {
    return maxCachedOutages;
  }

  public StoreOptions setMaxCachedOutages(int value) {
    this.maxCachedOutages = value;
    return this;
  }

  /** Archived watches kept in the history; older ones are dropped. */
  public int getMaxArchivedWatches() {
    return maxArchivedWatches;
  }

  public StoreOptions setMaxArchivedWatches(int value) {
    this.maxArchivedWatches = value;
    return this;
  }

  /** Raw samples older than this many days may be dropped by a retention run. */
  public int getRetentionDays() {
    return retentionDays;
  }

  public StoreOptions setRetentionDays(int retentionDays) {
    if (retentionDays < 1) {
      throw new IllegalArgumentException("retention must be at least 1 day");
    }
    this.retentionDays = retentionDays;
    return this;
  }

  /** Hour rollups older than this many days may be dropped by a retention run (at least the raw retention). */
  public int getRollupRetentionDays() {
    return rollupRetentionDays;
  }

  public StoreOptions setRollupRetentionDays(int rollupRetentionDays) {
    if (rollupRetentionDays < 1) {
      throw new IllegalArgumentException("rollup retention must be at least 1 day");
    }
    this.rollupRetentionDays = rollupRetentionDays;
    return this;
  }

  /**
   * The cutoff for hour rollups that goes with a raw-sample cutoff: the rollups are kept
   * {@code rollupRetentionDays - retentionDays} days longer than raw samples (never shorter).
   */
  public long rollupCutoff(long rawCutoff) {
    long extra = Math.max(0, (long) rollupRetentionDays - retentionDays) * DAY_MS;
    return rawCutoff < Long.MIN_VALUE + extra ? Long.MIN_VALUE : rawCutoff - extra;
  }

  /** The clock watches are timed with; tests replace it. */
  public Clock getClock() {
    return clock;
  }

  public StoreOptions setClock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** Told about every write, fsync, rename and commit the backend performs; by default nobody. */
  public StorageListener getStorageListener() {
    return storageListener;
  }

  public StoreOptions setStorageListener(StorageListener storageListener) {
    this.storageListener = java.util.Objects.requireNonNull(storageListener, "storageListener");
    return this;
  }
}
