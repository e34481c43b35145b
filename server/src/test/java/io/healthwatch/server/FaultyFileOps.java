package io.healthwatch.server;

import io.healthwatch.storage.disk.FileOps;
import io.healthwatch.storage.disk.ForwardingFileOps;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;

/**
 * The real file system with faults switched on and off by a test: fsyncs that fail, renames that
 * are refused (as an antivirus holding the file does on Windows), and the free space it reports.
 */
final class FaultyFileOps extends ForwardingFileOps {
  volatile IOException fsyncFault;
  volatile boolean refuseRenames;
  /** The usable space reported, or -1 for the real one. */
  volatile long usableSpace = -1;

  FaultyFileOps() {
    super(FileOps.nio());
  }

  @Override
  protected Handle handle(Path file, Handle opened) {
    return new ForwardingHandle(opened) {
      @Override
      public void force() throws IOException {
        IOException fault = fsyncFault;
        if (fault != null) {
          throw fault;
        }
        super.force();
      }
    };
  }

  @Override
  public void move(Path source, Path target) throws IOException {
    if (refuseRenames) {
      throw new AccessDeniedException(source.toString(), target.toString(), "The process cannot access the file");
    }
    super.move(source, target);
  }

  @Override
  public long usableSpace(Path dir) throws IOException {
    long reported = usableSpace;
    return reported >= 0 ? reported : super.usableSpace(dir);
  }
}
