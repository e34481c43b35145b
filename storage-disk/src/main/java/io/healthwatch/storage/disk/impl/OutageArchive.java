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
  private long maxFirstFailureAt = Long.MIN_VALUE;
  private long maxConfirmedAt = Long.MIN_VALUE;

  OutageArchive(FileOps fs, Path dir, Consumer<String> problems) {
    this.fs = fs;
    this.path = dir.resolve(FILE);
    this.problems = problems;
  }

  /**
   * Opens the archive. {@code known} is what the snapshot recorded of it; only the bytes after it
   * are scanned (unless they are damaged: then the whole file is scanned and, unless {@code
   * readOnly}, its torn tail cut or its damage patched).
   */
  void load(FileSafety safety, boolean readOnly, Summary known) throws IOException {
    close();
    size = 0;
    maxFirstFailureAt = Long.MIN_VALUE;
    maxConfirmedAt = Long.MIN_VALUE;
    if (!fs.exists(path)) {
      return;
    }
    handle = fs.open(path, false);
    long fileSize = handle.size();
    if (known != null && known.size() > fileSize) {
      problems.accept("outage archive " + FILE + " is " + (known.size() - fileSize)
          + " bytes shorter than the snapshot recorded: closed outages in them are lost");
    }
    if (known != null && known.size() <= fileSize) {
      byte[] tail = new byte[(int) (fileSize - known.size())];
      Frames.readFully(handle, ByteBuffer.wrap(tail), known.size());
      Frames.Scan scan = Frames.scan(tail, 0, this::learn);
      if (scan.clean()) {
        size = fileSize;
        maxFirstFailureAt = Math.max(maxFirstFailureAt, known.maxFirstFailureAt());
        maxConfirmedAt = Math.max(maxConfirmedAt, known.maxConfirmedAt());
        return;
      }
      maxFirstFailureAt = Long.MIN_VALUE;
      maxConfirmedAt = Long.MIN_VALUE;
    }
    byte[] data = Frames.readAll(handle);
    Frames.Scan scan = Frames.scan(data, 0, this::learn);
    if (!scan.clean() && !readOnly) {
      safety.repair(path, handle, data, scan, true, "outage archive");
    }
    size = scan.end();
  }

  private void learn(int offset, byte[] bytes, int at, int len) {
    try {
      Outage o = Json.MAPPER.readValue(bytes, at, len, ArchivedOutage.class).outage();
      if (o != null) {
        maxFirstFailureAt = Math.max(maxFirstFailureAt, o.firstFailureAt());
        maxConfirmedAt = Math.max(maxConfirmedAt, o.confirmedAt());
      }
    } catch (IOException e) {
      // reported when the archive is read for a query
    }
  }

  /** What a snapshot records of the archive, so a start reads only what was appended after it. */
  record Summary(long size, long maxFirstFailureAt, long maxConfirmedAt) {}

  Summary summary() {
    return new Summary(size, maxFirstFailureAt, maxConfirmedAt);
  }

  /** The newest {@code firstFailureAt} archived: queries for newer outages need not read the file. */
  long maxFirstFailureAt() {
    return maxFirstFailureAt;
  }

  /** The newest {@code confirmedAt} archived. */
  long maxConfirmedAt() {
    return maxConfirmedAt;
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
    long newestFirstFailure = maxFirstFailureAt;
    long newestConfirmed = maxConfirmedAt;
    for (Outage o : archived) {
      out.writeBytes(Frames.encode(Json.MAPPER.writeValueAsBytes(new ArchivedOutage(position, o))));
      newestFirstFailure = Math.max(newestFirstFailure, o.firstFailureAt());
      newestConfirmed = Math.max(newestConfirmed, o.confirmedAt());
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
    maxFirstFailureAt = newestFirstFailure;
    maxConfirmedAt = newestConfirmed;
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
