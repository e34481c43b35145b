package io.healthwatch.storage.disk.impl;

import io.healthwatch.storage.disk.FileOps;
import io.healthwatch.storage.disk.ForwardingFileOps;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * File operations that can only read: every file is opened for reading, and anything that would
 * change a file or a directory fails. The guarantee behind a read-only engine and the verifier.
 */
final class ReadOnlyFileOps extends ForwardingFileOps {

  ReadOnlyFileOps(FileOps delegate) {
    super(delegate);
  }

  private static IOException refused(String what, Path path) {
    return new IOException("read-only: refused to " + what + " " + path);
  }

  @Override
  public Handle open(Path file, boolean create) throws IOException {
    return openRead(file);
  }

  @Override
  protected Handle handle(Path file, Handle opened) {
    return new ForwardingHandle(opened) {
      @Override
      public void write(ByteBuffer src, long position) throws IOException {
        throw refused("write", file);
      }

      @Override
      public void truncate(long size) throws IOException {
        throw refused("truncate", file);
      }

      @Override
      public void force() {
        // nothing was written
      }
    };
  }

  @Override
  public void move(Path source, Path target) throws IOException {
    throw refused("rename", source);
  }

  @Override
  public void fsyncDirectory(Path dir) {
    // nothing was changed
  }

  @Override
  public void delete(Path file) throws IOException {
    throw refused("delete", file);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    throw refused("create", dir);
  }

  @Override
  public Optional<Closeable> tryLock(Path lockFile) throws IOException {
    throw refused("lock", lockFile);
  }
}
