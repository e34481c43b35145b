package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.storage.StorageListener;
import io.healthwatch.core.storage.StorageOperation;
import io.healthwatch.storage.disk.FileOps;
import io.healthwatch.storage.disk.ForwardingFileOps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reports every write, fsync (of a file or a directory) and delete of the wrapped {@link FileOps}
 * to a {@link StorageListener}, with its result and time. Renames are reported by {@link
 * FileSafety}, once with all their retries. Everything else passes through.
 */
final class CountingFileOps extends ForwardingFileOps {
  private final StorageListener listener;

  private CountingFileOps(FileOps fs, StorageListener listener) {
    super(fs);
    this.listener = listener;
  }

  /** {@code fs} itself when nobody listens. */
  static FileOps wrap(FileOps fs, StorageListener listener) {
    return listener == StorageListener.NONE ? fs : new CountingFileOps(fs, listener);
  }

  @FunctionalInterface
  private interface IoAction {
    void run() throws IOException;
  }

  private void timed(StorageOperation op, IoAction action) throws IOException {
    long start = System.nanoTime();
    boolean ok = false;
    try {
      action.run();
      ok = true;
    } finally {
      listener.recordOperation(op, ok, System.nanoTime() - start);
    }
  }

  @Override
  protected Handle handle(Path file, Handle opened) {
    return new ForwardingHandle(opened) {
      @Override
      public void write(ByteBuffer src, long position) throws IOException {
        timed(StorageOperation.WRITE, () -> super.write(src, position));
      }

      @Override
      public void force() throws IOException {
        timed(StorageOperation.FSYNC, super::force);
      }
    };
  }

  @Override
  public void fsyncDirectory(Path dir) throws IOException {
    timed(StorageOperation.FSYNC, () -> super.fsyncDirectory(dir));
  }

  @Override
  public void delete(Path file) throws IOException {
    timed(StorageOperation.DELETE, () -> super.delete(file));
  }
}
