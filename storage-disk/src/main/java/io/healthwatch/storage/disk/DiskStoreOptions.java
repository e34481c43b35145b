package io.healthwatch.storage.disk;

import io.healthwatch.core.storage.StoreOptions;
import java.nio.file.Path;
import java.util.Objects;

/** Settings of the disk backend: where it keeps its files and how it sizes them. */
public class DiskStoreOptions {
  public static final Path DEFAULT_DATA_DIR = Path.of("data");
  public static final long DEFAULT_SEGMENT_BYTES = 16L * 1024 * 1024;
  /** Segments are scanned whole at start-up and after damage, so they stay well below 2 GiB. */
  public static final long MAX_SEGMENT_BYTES = 1024L * 1024 * 1024;
  public static final long DEFAULT_SNAPSHOT_INTERVAL_BYTES = 4L * 1024 * 1024;
  public static final int DEFAULT_RENAME_ATTEMPTS = 8;
  public static final long DEFAULT_RENAME_BACKOFF_MS = 10;

  private Path dataDir = DEFAULT_DATA_DIR;
  private StoreOptions storeOptions = new StoreOptions();
  private long segmentBytes = DEFAULT_SEGMENT_BYTES;
  private long snapshotIntervalBytes = DEFAULT_SNAPSHOT_INTERVAL_BYTES;
  private int renameAttempts = DEFAULT_RENAME_ATTEMPTS;
  private long renameBackoffMs = DEFAULT_RENAME_BACKOFF_MS;
  private FileOps fileOps = FileOps.nio();
  private boolean compressSealedSegments = true;

  public DiskStoreOptions() {}

  public DiskStoreOptions(DiskStoreOptions other) {
    this.dataDir = other.dataDir;
    this.storeOptions = new StoreOptions(other.storeOptions);
    this.segmentBytes = other.segmentBytes;
    this.snapshotIntervalBytes = other.snapshotIntervalBytes;
    this.renameAttempts = other.renameAttempts;
    this.renameBackoffMs = other.renameBackoffMs;
    this.fileOps = other.fileOps;
    this.compressSealedSegments = other.compressSealedSegments;
  }

  /** The directory holding the log, snapshots and lock file; created if missing. */
  public Path getDataDir() {
    return dataDir;
  }

  public DiskStoreOptions setDataDir(Path dataDir) {
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    return this;
  }

  /** The settings every backend shares (outage threshold, cache bounds, clock). */
  public StoreOptions getStoreOptions() {
    return storeOptions;
  }

  public DiskStoreOptions setStoreOptions(StoreOptions storeOptions) {
    this.storeOptions = Objects.requireNonNull(storeOptions, "storeOptions");
    return this;
  }

  /** A log segment is sealed and a new one started once it holds this many bytes. */
  public long getSegmentBytes() {
    return segmentBytes;
  }

  public DiskStoreOptions setSegmentBytes(long segmentBytes) {
    if (segmentBytes < 1024 || segmentBytes > MAX_SEGMENT_BYTES) {
      throw new IllegalArgumentException("segment size must be 1 KiB to 1 GiB");
    }
    this.segmentBytes = segmentBytes;
    return this;
  }

  /**
   * A state snapshot is written once the log has grown by this many bytes since the last one; it
   * bounds how much log a start-up replays.
   */
  public long getSnapshotIntervalBytes() {
    return snapshotIntervalBytes;
  }

  public DiskStoreOptions setSnapshotIntervalBytes(long snapshotIntervalBytes) {
    if (snapshotIntervalBytes < 1) {
      throw new IllegalArgumentException("snapshot interval must be positive");
    }
    this.snapshotIntervalBytes = snapshotIntervalBytes;
    return this;
  }

  /** How often a refused rename (a file held by another process) is tried before the write fails. */
  public int getRenameAttempts() {
    return renameAttempts;
  }

  public DiskStoreOptions setRenameAttempts(int renameAttempts) {
    if (renameAttempts < 1) {
      throw new IllegalArgumentException("rename attempts must be at least 1");
    }
    this.renameAttempts = renameAttempts;
    return this;
  }

  /** The first pause between rename attempts; it doubles after each one. */
  public long getRenameBackoffMs() {
    return renameBackoffMs;
  }

  public DiskStoreOptions setRenameBackoffMs(long renameBackoffMs) {
    this.renameBackoffMs = renameBackoffMs;
    return this;
  }

  /**
   * Whether sealed log segments are compressed in the background once every kept snapshot covers
   * them (README, "Compression and storage footprint"); on by default.
   */
  public boolean isCompressSealedSegments() {
    return compressSealedSegments;
  }

  public DiskStoreOptions setCompressSealedSegments(boolean compressSealedSegments) {
    this.compressSealedSegments = compressSealedSegments;
    return this;
  }

  /** The file system access used for every file operation; tests replace it to inject faults. */
  public FileOps getFileOps() {
    return fileOps;
  }

  public DiskStoreOptions setFileOps(FileOps fileOps) {
    this.fileOps = Objects.requireNonNull(fileOps, "fileOps");
    return this;
  }
}
