package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.json.Json;
import io.healthwatch.storage.disk.FileOps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Turns a sealed raw segment ({@code log-<position>.seg}) into a compressed one
 * ({@code log-<position>.cseg}) and sorts out, at start-up, what a crash during that left behind.
 *
 * <p>The protocol, each step durable before the next: build the compressed file in memory from a
 * raw segment that scans clean and check that it decodes to exactly the raw records; write it with
 * the crash-safe replace (temp file, fsync, atomic rename, directory fsync); only then delete the
 * raw segment and its index and fsync the directory. A crash leaves either a temp file (removed at
 * start), or both files (the compressed one is checked whole and, if sound, wins), or the
 * compressed file alone.
 */
final class SegmentCompactor {
  static final Pattern COMPRESSED = Pattern.compile("log-(\\d{20})\\.cseg");
  private static final System.Logger LOG = System.getLogger(SegmentCompactor.class.getName());

  private final FileOps fs;
  private final Path dir;
  private final FileSafety safety;
  private final Consumer<String> problems;

  SegmentCompactor(FileOps fs, Path dir, FileSafety safety, Consumer<String> problems) {
    this.fs = fs;
    this.dir = dir;
    this.safety = safety;
    this.problems = problems;
  }

  /** A sealed raw segment chosen for compression. */
  record Job(long base, Path raw, Path index, Path compressed, long size) {}

  /**
   * The compressed file of the job's raw segment, checked to decode to exactly its records; null if
   * the raw segment does not scan clean (damage stays where queries report it).
   */
  byte[] build(Job job) throws IOException {
    byte[] data;
    try (FileOps.Handle h = fs.openRead(job.raw())) {
      data = Frames.readAll(h);
    }
    if (data.length != job.size()) {
      return null;
    }
    List<CompressedSegment.Record> records = new ArrayList<>();
    boolean[] readable = {true};
    Frames.Scan scan = Frames.scan(data, 0, (offset, bytes, at, len) -> {
      try {
        records.add(new CompressedSegment.Record(offset, Json.MAPPER.readValue(bytes, at, len, LogEntry.class),
            bytes, at, len));
      } catch (IOException | RuntimeException e) {
        readable[0] = false;
      }
    });
    if (!scan.clean() || !readable[0]) {
      LOG.log(System.Logger.Level.INFO, "not compressing " + job.raw() + ": it holds damaged records");
      return null;
    }
    if (records.stream().anyMatch(r -> LogEntry.RESTORE.equals(r.entry().type()))) {
      // Restored samples sit inside their restore record, which the columnar blocks do not read.
      LOG.log(System.Logger.Level.INFO, "not compressing " + job.raw() + ": it holds restored records");
      return null;
    }
    byte[] file = CompressedSegment.encode(job.size(), records);
    try (FileOps.Handle h = CompressedSegment.inMemory(file)) {
      CompressedSegment c = CompressedSegment.open(h);
      if (c.coveredSize != job.size()
          || !CompressedSegment.sameRecords(CompressedSegment.replayOrder(records), c.readAll(h))) {
        throw new IllegalStateException("the compressed form of " + job.raw() + " does not decode to its records");
      }
    }
    return file;
  }

  /** Writes the compressed file durably under its final name. */
  void write(Job job, byte[] file) throws IOException {
    safety.replace(job.compressed(), file);
  }

  /** Deletes the raw segment and its index once the compressed file is durable and in use. */
  void removeRaw(Job job) throws IOException {
    fs.delete(job.raw());
    fs.delete(job.index());
    fs.fsyncDirectory(dir);
  }

  /**
   * Start-up: for every base with a compressed file, decides which file holds the segment. When
   * the raw segment is still there (a crash before it was deleted), the compressed file wins only
   * if every part of it is sound and it covers exactly the raw length; then the raw files go. A
   * compressed file that lost the comparison is derived data and is deleted. Returns the bases
   * whose compressed file is to be used; {@code raw} loses them.
   */
  TreeMap<Long, Path> recover(TreeMap<Long, Path> raw, TreeMap<Long, Path> compressed, boolean durableOnly)
      throws IOException {
    TreeMap<Long, Path> use = new TreeMap<>();
    boolean changed = false;
    for (Map.Entry<Long, Path> e : compressed.entrySet()) {
      long base = e.getKey();
      Path rawPath = raw.get(base);
      if (rawPath == null) {
        use.put(base, e.getValue());
        continue;
      }
      if (durableOnly) {
        continue; // keep to the raw file; nothing changes on disk in this mode
      }
      String why = soundCopyOf(e.getValue(), rawPath);
      if (why == null) {
        fs.delete(rawPath);
        fs.delete(rawPath.resolveSibling(rawPath.getFileName().toString().replace(".seg", ".idx")));
        raw.remove(base);
        use.put(base, e.getValue());
      } else {
        LOG.log(System.Logger.Level.WARNING, "discarding " + e.getValue().getFileName() + " (" + why
            + "); the raw segment " + rawPath.getFileName() + " is kept");
        fs.delete(e.getValue());
      }
      changed = true;
    }
    if (changed) {
      fs.fsyncDirectory(dir);
    }
    return use;
  }

  /** Null if {@code compressed} is whole, sound and covers exactly the raw segment; else why not. */
  private String soundCopyOf(Path compressed, Path raw) {
    try (FileOps.Handle c = fs.openRead(compressed); FileOps.Handle r = fs.openRead(raw)) {
      CompressedSegment seg = CompressedSegment.open(c);
      if (seg.coveredSize != r.size()) {
        return "it covers " + seg.coveredSize + " bytes, the raw segment has " + r.size();
      }
      seg.readAll(c);
      return null;
    } catch (IOException | RuntimeException e) {
      return FileSafety.describe(e);
    }
  }

  /** Opens a compressed segment found at start; null (kept aside and reported) if unreadable. */
  CompressedSegment open(Path path, FileOps.Handle h, boolean durableOnly) {
    try {
      return CompressedSegment.open(h);
    } catch (IOException | RuntimeException e) {
      if (!durableOnly) {
        try {
          h.close();
        } catch (IOException ignored) {
          // moving it aside below reports what matters
        }
        String aside = safety.moveAside(path);
        problems.accept("compressed segment " + path.getFileName() + " is unreadable (" + FileSafety.describe(e)
            + "); kept aside as " + aside + "; the samples in it are lost");
      }
      return null;
    }
  }
}
