package io.healthwatch.storage.disk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A {@link FileOps} that passes every call to another one: extend it and override only what you
 * change (counting, injecting a fault, refusing what another platform would refuse). Files it opens
 * go through {@link #handle}, where a subclass can wrap them in a {@link ForwardingHandle}.
 */
public class ForwardingFileOps implements FileOps {
  private final FileOps delegate;

  public ForwardingFileOps(FileOps delegate) {
    this.delegate = delegate;
  }

  /** The file system every call goes to. */
  protected final FileOps delegate() {
    return delegate;
  }

  /** What {@link #open} and {@link #openRead} return for an opened file; the handle itself here. */
  protected Handle handle(Path file, Handle opened) {
    return opened;
  }

  @Override
  public Handle open(Path file, boolean create) throws IOException {
    return handle(file, delegate.open(file, create));
  }

  @Override
  public Handle openRead(Path file) throws IOException {
    return handle(file, delegate.openRead(file));
  }

  @Override
  public void move(Path source, Path target) throws IOException {
    delegate.move(source, target);
  }

  @Override
  public void fsyncDirectory(Path dir) throws IOException {
    delegate.fsyncDirectory(dir);
  }

  @Override
  public void delete(Path file) throws IOException {
    delegate.delete(file);
  }

  @Override
  public List<Path> list(Path dir) throws IOException {
    return delegate.list(dir);
  }

  @Override
  public boolean exists(Path file) {
    return delegate.exists(file);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    delegate.createDirectories(dir);
  }

  @Override
  public Optional<Closeable> tryLock(Path lockFile) throws IOException {
    return delegate.tryLock(lockFile);
  }

  @Override
  public long usableSpace(Path dir) throws IOException {
    return delegate.usableSpace(dir);
  }

  /** A {@link Handle} that passes every call to another one. */
  public static class ForwardingHandle implements Handle {
    private final Handle delegate;

    public ForwardingHandle(Handle delegate) {
      this.delegate = delegate;
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return delegate.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
      delegate.write(src, position);
    }

    @Override
    public long size() throws IOException {
      return delegate.size();
    }

    @Override
    public void truncate(long size) throws IOException {
      delegate.truncate(size);
    }

    @Override
    public void force() throws IOException {
      delegate.force();
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
