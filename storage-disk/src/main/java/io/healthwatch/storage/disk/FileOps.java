package io.healthwatch.storage.disk;

import io.healthwatch.storage.disk.impl.NioFileOps;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Every file operation the disk engine performs. The engine never touches the file system any
 * other way, so tests can replace it with a double that loses unsynced writes, refuses a rename or
 * fails an fsync. {@link #nio()} is the real one.
 */
public interface FileOps {

  /** The real file system through java.nio. */
  static FileOps nio() {
    return NioFileOps.INSTANCE;
  }

  /** An open file, read and written at explicit positions. */
  interface Handle extends Closeable {
    /** Reads up to {@code dst.remaining()} bytes at {@code position}; -1 at end of file. */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Writes all of {@code src} at {@code position}. */
    void write(ByteBuffer src, long position) throws IOException;

    long size() throws IOException;

    void truncate(long size) throws IOException;

    /** Makes every write so far durable (fsync). */
    void force() throws IOException;

    @Override
    void close() throws IOException;
  }

  /** Opens a file for reading and writing, creating it when {@code create} is set. */
  Handle open(Path file, boolean create) throws IOException;

  /** Opens an existing file for reading only. */
  Handle openRead(Path file) throws IOException;

  /** Renames atomically, replacing {@code target}; never copies. */
  void move(Path source, Path target) throws IOException;

  /** Makes the directory's entries (created, renamed, deleted files) durable, where the platform can. */
  void fsyncDirectory(Path dir) throws IOException;

  /** Deletes a file if it exists. */
  void delete(Path file) throws IOException;

  /** The entries of a directory. */
  List<Path> list(Path dir) throws IOException;

  boolean exists(Path file);

  void createDirectories(Path dir) throws IOException;

  /**
   * Bytes available to this process in the file system holding {@code dir} (its {@code FileStore}'s
   * usable space); what the free-space figures and the readiness floor are measured on.
   */
  default long usableSpace(Path dir) throws IOException {
    return Files.getFileStore(dir).getUsableSpace();
  }

  /**
   * Takes an exclusive lock on {@code lockFile} for this process; empty if another holder has it.
   * Closing the returned handle releases it.
   */
  Optional<Closeable> tryLock(Path lockFile) throws IOException;
}
