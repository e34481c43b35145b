package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Outage;
import io.healthwatch.storage.disk.FileOps;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * {@code outages.arc}: closed outages moved out of memory, as framed {@link ArchivedOutage} records.
 * Appended (and fsync'd) just before a snapshot that no longer holds them; an outage may appear
 * twice after a crash between the two, and the newest copy wins.
 */
final class OutageArchive implements Closeable {
  static final String FILE = "outages.arc";

  private final FileOps fs;
  private final Path path;
  private final Consumer<String> problems;
  private FileOps.Handle handle;
  private long size;

  OutageArchive(FileOps fs, Path dir, Consumer<String> problems) {
    this.fs = fs;
    this.path = dir.resolve(FILE);
    this.problems = problems;
  }

  /** Opens the archive and, unless {@code readOnly}, cuts a torn tail or patches damage. */
  void load(FileSafety safety, boolean readOnly) throws IOException {
    close();
    size = 0;
    if (!fs.exists(path)) {
      return;
    }
    handle = fs.open(path, false);
    byte[] data = Frames.readAll(handle);
    Frames.Scan scan = Frames.scan(data, 0, null);
    if (!scan.clean() && !readOnly) {
      safety.repair(path, handle, data, scan, true, "outage archive");
    }
    size = scan.end();
  }

  long size() {
    return size;
  }

  /** Appends outages archived at log {@code position} and makes them durable. */
  void append(long position, Collection<Outage> archived) throws IOException {
    boolean created = false;
    if (handle == null) {
      created = !fs.exists(path);
      handle = fs.open(path, true);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Outage o : archived) {
      out.writeBytes(Frames.encode(Json.MAPPER.writeValueAsBytes(new ArchivedOutage(position, o))));
    }
    try {
      handle.write(ByteBuffer.wrap(out.toByteArray()), size);
      handle.force();
      if (created) {
        fs.fsyncDirectory(path.getParent());
      }
    } catch (IOException e) {
      try {
        handle.truncate(size);
      } catch (IOException ignored) {
        // the scan at the next start cuts the torn tail
      }
      throw e;
    }
    size += out.size();
  }

  /** Every archived outage that {@code visible} keeps, by id. */
  Map<String, Outage> read(Predicate<ArchivedOutage> visible) throws IOException {
    Map<String, Outage> out = new LinkedHashMap<>();
    if (handle == null || size == 0) {
      return out;
    }
    byte[] data = new byte[(int) size];
    Frames.readFully(handle, ByteBuffer.wrap(data), 0);
    Frames.Scan scan = Frames.scan(data, 0, (offset, bytes, at, len) -> {
      try {
        ArchivedOutage a = Json.MAPPER.readValue(bytes, at, len, ArchivedOutage.class);
        if (a.outage() != null && visible.test(a)) {
          out.put(a.outage().id(), a.outage());
        }
      } catch (IOException e) {
        problems.accept("outage archive: the record at offset " + offset + " cannot be read: "
            + FileSafety.describe(e));
      }
    });
    if (!scan.clean()) {
      problems.accept("outage archive: damaged bytes found when read; some closed outages are missing from answers");
    }
    return out;
  }

  @Override
  public void close() {
    if (handle != null) {
      try {
        handle.close();
      } catch (IOException ignored) {
        // nothing left to do with it
      }
      handle = null;
    }
  }
}
