package io.healthwatch.server;

import io.healthwatch.storage.disk.FileOps;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The real file system with faults switched on and off by a test: fsyncs that fail, renames that
 * are refused (as an antivirus holding the file does on Windows), and the free space it reports.
 */
final class FaultyFileOps implements FileOps {
  private final FileOps real = FileOps.nio();
  volatile IOException fsyncFault;
  volatile boolean refuseRenames;
  /** The usable space reported, or -1 for the real one. */
  volatile long usableSpace = -1;

  @Override
  public Handle open(Path file, boolean create) throws IOException {
    Handle h = real.open(file, create);
    return new Handle() {
      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return h.read(dst, position);
      }

      @Override
      public void write(ByteBuffer src, long position) throws IOException {
        h.write(src, position);
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
        IOException fault = fsyncFault;
        if (fault != null) {
          throw fault;
        }
        h.force();
      }

      @Override
      public void close() throws IOException {
        h.close();
      }
    };
  }

  @Override
  public Handle openRead(Path file) throws IOException {
    return real.openRead(file);
  }

  @Override
  public void move(Path source, Path target) throws IOException {
    if (refuseRenames) {
      throw new AccessDeniedException(source.toString(), target.toString(), "The process cannot access the file");
    }
    real.move(source, target);
  }

  @Override
  public void fsyncDirectory(Path dir) throws IOException {
    real.fsyncDirectory(dir);
  }

  @Override
  public void delete(Path file) throws IOException {
    real.delete(file);
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    return real.list(dir);
  }

  @Override
  public boolean exists(Path file) {
    return real.exists(file);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    real.createDirectories(dir);
  }

  @Override
  public Optional<Closeable> tryLock(Path lockFile) throws IOException {
    return real.tryLock(lockFile);
  }

  @Override
  public long usableSpace(Path dir) throws IOException {
    long reported = usableSpace;
    return reported >= 0 ? reported : real.usableSpace(dir);
  }
}
