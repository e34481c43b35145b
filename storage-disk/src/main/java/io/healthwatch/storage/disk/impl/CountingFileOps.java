package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.storage.StorageListener;
import io.healthwatch.core.storage.StorageOperation;
import io.healthwatch.storage.disk.FileOps;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reports every write, fsync (of a file or a directory), rename and delete of the wrapped {@link
 * FileOps} to a {@link StorageListener}, with its result and time. Reads and the rest pass through.
 */
final class CountingFileOps implements FileOps {
  private final FileOps fs;
  private final StorageListener listener;

  private CountingFileOps(FileOps fs, StorageListener listener) {
    this.fs = fs;
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
  public Handle open(Path file, boolean create) throws IOException {
    return new CountingHandle(fs.open(file, create));
  }

  @Override
  public Handle openRead(Path file) throws IOException {
    return fs.openRead(file);
  }

  /** One attempt; {@link FileSafety} reports the whole rename with its retries. */
  @Override
  public void move(Path source, Path target) throws IOException {
    fs.move(source, target);
  }

  @Override
  public void fsyncDirectory(Path dir) throws IOException {
    timed(StorageOperation.FSYNC, () -> fs.fsyncDirectory(dir));
  }

  @Override
  public void delete(Path file) throws IOException {
    timed(StorageOperation.DELETE, () -> fs.delete(file));
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    return fs.list(dir);
  }

  @Override
  public boolean exists(Path file) {
    return fs.exists(file);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    fs.createDirectories(dir);
  }

  @Override
  public Optional<Closeable> tryLock(Path lockFile) throws IOException {
    return fs.tryLock(lockFile);
  }

  @Override
  public long usableSpace(Path dir) throws IOException {
    return fs.usableSpace(dir);
  }

  private final class CountingHandle implements Handle {
    private final Handle h;

    CountingHandle(Handle h) {
      this.h = h;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return h.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
      timed(StorageOperation.WRITE, () -> h.write(src, position));
    }

    @Override
    public long size() throws IOException {
      return h.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      h.truncate(size);
    }

    @Override
    public void force() throws IOException {
      timed(StorageOperation.FSYNC, h::force);
    }

    @Override
    public void close() throws IOException {
      h.close();
    }
  }
}
