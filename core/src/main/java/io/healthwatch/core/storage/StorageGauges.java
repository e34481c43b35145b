package io.healthwatch.core.storage;

/**
 * How much a store holds now, for metrics and readiness. A figure the backend cannot know is
 * {@link #UNKNOWN} ({@code -1}): free space of a MySQL server, segments of a database, anything of
 * the in-memory backend that is about files.
 *
 * @param dataBytes bytes the store's data takes (disk: log, snapshots and outage archive; MySQL:
 *     data and index length of its tables)
 * @param freeBytes bytes usable in the data directory's file system
 * @param segments log segment files (disk)
 * @param oldestSampleAt the timestamp of the oldest sample kept (epoch ms)
 * @param cachedChannels channels with state or samples in the in-memory cache
 * @param cachedSamples samples in the in-memory cache
 */
public record StorageGauges(long dataBytes, long freeBytes, long segments, long oldestSampleAt,
    long cachedChannels, long cachedSamples) {

  public static final long UNKNOWN = -1;

  /** Nothing known. */
  public static final StorageGauges NONE =
      new StorageGauges(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);

  public static boolean known(long figure) {
    return figure >= 0;
  }
}
