package io.healthwatch.core.storage;

import java.util.Locale;

/** The kinds of storage operation a backend reports to its {@link StorageListener}. */
public enum StorageOperation {
  /** Bytes written to a file (disk). */
  WRITE,
  /** A file or directory made durable with fsync (disk). */
  FSYNC,
  /** An atomic rename, with every retry it needed; its result is the final one (disk). */
  RENAME,
  /** One refused rename attempt that was tried again (disk; always a failure). */
  RENAME_RETRY,
  /** A file deleted (disk: temp files, old snapshots, expired segments). */
  DELETE,
  /**
   * A write made durable as a whole: one group commit on disk (fsync'd, for every write waiting
   * in it), one committed transaction or autocommit statement in MySQL. The write success rate of
   * {@code /health/ready} is taken over these.
   */
  COMMIT,
  /** A transaction chosen as a deadlock victim or timed out on a lock, and tried again (MySQL). */
  COMMIT_RETRY,
  /** A read query (MySQL). */
  QUERY;

  /** The name in metrics: {@code fsync}, {@code rename_retry}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
