package io.healthwatch.core.storage;

/**
 * Told about every storage operation a backend performs, as it completes: which kind, whether it
 * succeeded and how long it took. Backends get it from {@link StoreOptions#getStorageListener()};
 * the server counts with it. Called from any thread, often from a writer thread holding a lock, so
 * an implementation must be thread-safe and must not block.
 */
@FunctionalInterface
public interface StorageListener {

  /** A listener that ignores everything. */
  StorageListener NONE = (op, success, nanos) -> { };

  void recordOperation(StorageOperation op, boolean success, long nanos);
}
