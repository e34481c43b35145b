package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.json.Json;
import io.healthwatch.storage.disk.FileOps;
import io.healthwatch.storage.disk.VerifyReport;
import io.healthwatch.storage.disk.VerifyReport.Check;
import io.healthwatch.storage.disk.VerifyReport.Status;
import io.healthwatch.core.model.AuditRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks every file of a data directory without taking its lock and without changing anything
 * (all file access goes through {@link ReadOnlyFileOps}), so it may run while a server writes.
 */
public final class DiskVerifier {
  private static final Pattern SEGMENT = Pattern.compile("log-(\\d{20})\\.seg");
  private static final Pattern INDEX = Pattern.compile("log-(\\d{20})\\.idx");
  private static final Pattern SNAPSHOT = Pattern.compile("snapshot-(\\d{20})\\.snap");

  private final FileOps fs;
  private final Path dir;
  private final List<Check> checks = new ArrayList<>();
  private final TreeMap<Long, Path> segments = new TreeMap<>();
  private final TreeMap<Long, Path> compressed = new TreeMap<>();
  private final TreeMap<Long, Path> indexes = new TreeMap<>();
  private final TreeMap<Long, Path> snapshots = new TreeMap<>();
  private final Map<Long, Long> segmentSizes = new TreeMap<>();
  private final Map<Long, SegmentIndex> rebuilt = new TreeMap<>();
  private long total;
  private long done;

  private DiskVerifier(FileOps fs, Path dir) {
    this.fs = new ReadOnlyFileOps(fs);
    this.dir = dir.toAbsolutePath().normalize();
  }

  public static VerifyReport verify(FileOps fs, Path dir, VerifyReport.Progress progress) throws IOException {
    DiskVerifier v = new DiskVerifier(fs, dir);
    if (!Files.isDirectory(v.dir)) {
      throw new IOException("not a directory: " + v.dir);
    }
    v.run(progress);
    return new VerifyReport(v.dir, v.checks);
  }

  private void run(VerifyReport.Progress progress) throws IOException {
    List<Path> others = new ArrayList<>();
    for (Path p : fs.list(dir)) {
      String name = p.getFileName().toString();
      Matcher m;
      if ((m = SEGMENT.matcher(name)).matches()) {
        segments.put(Long.parseLong(m.group(1)), p);
      } else if ((m = SegmentCompactor.COMPRESSED.matcher(name)).matches()) {
        compressed.put(Long.parseLong(m.group(1)), p);
      } else if ((m = INDEX.matcher(name)).matches()) {
        indexes.put(Long.parseLong(m.group(1)), p);
      } else if ((m = SNAPSHOT.matcher(name)).matches()) {
        snapshots.put(Long.parseLong(m.group(1)), p);
      } else {
        others.add(p);
      }
      total += sizeOf(p);
    }
    Long expected = null;
    java.util.TreeSet<Long> bases = new java.util.TreeSet<>(segments.keySet());
    bases.addAll(compressed.keySet());
    for (long base : bases) {
      Path raw = segments.get(base);
      Path packed = compressed.get(base);
      if (packed != null) {
        checkCompressed(base, packed, raw != null, expected);
        advance(packed, progress);
      }
      if (raw != null) {
        checkSegment(base, raw, base == segments.lastKey(), packed != null ? null : expected);
        advance(raw, progress);
      }
      Long size = segmentSizes.get(base);
      expected = size == null ? null : base + size;
    }
    for (Map.Entry<Long, Path> e : indexes.entrySet()) {
      try {
        checkIndex(e.getKey(), e.getValue());
      } catch (NoSuchFileException gone) {
        checks.add(new Check(e.getValue().getFileName().toString(), Status.NOTE, "removed while verifying (a running server replaced it)"));
      }
      advance(e.getValue(), progress);
    }
    long logStart = bases.isEmpty() ? 0 : bases.first();
    long logEnd = expected == null ? 0 : expected;
    for (Map.Entry<Long, Path> e : snapshots.entrySet()) {
      try {
        checkSnapshot(e.getKey(), e.getValue(), logStart, logEnd);
      } catch (NoSuchFileException gone) {
        checks.add(new Check(e.getValue().getFileName().toString(), Status.NOTE, "removed while verifying (a running server replaced it)"));
      }
      advance(e.getValue(), progress);
    }
    if (snapshots.isEmpty() && logStart > 0) {
      checks.add(new Check("(snapshots)", Status.DAMAGED, "no snapshot, and the log starts at position " + logStart
          + ": the state before it is lost"));
    }
    others.sort(null);
    for (Path p : others) {
      try {
        checkOther(p);
      } catch (NoSuchFileException gone) {
        checks.add(new Check(p.getFileName().toString(), Status.NOTE, "removed while verifying (a running server replaced it)"));
      }
      advance(p, progress);
    }
    if (checks.isEmpty()) {
      checks.add(new Check("(directory)", Status.NOTE, "empty: no store has been written here"));
    }
  }

  private void advance(Path p, VerifyReport.Progress progress) throws IOException {
    done += sizeOf(p);
    progress.advanced(done, total);
  }

  /** A file's size; 0 for one a running server removed meanwhile (a temporary file, a replaced segment). */
  private static long sizeOf(Path p) throws IOException {
    try {
      return Files.size(p);
    } catch (NoSuchFileException e) {
      return 0;
    }
  }

  /**
   * A compressed sealed segment: the header, the block directories, every block and the records
   * section must pass their checksums and decode. {@code rawToo}: its raw segment is still there (a
   * compression cut short; the next start keeps one of the two).
   */
  private void checkCompressed(long base, Path p, boolean rawToo, Long expected) throws IOException {
    String name = p.getFileName().toString();
    List<CompressedSegment.Record> records;
    long covered;
    try (FileOps.Handle h = fs.openRead(p)) {
      CompressedSegment c = CompressedSegment.open(h);
      covered = c.coveredSize;
      records = c.readAll(h);
    } catch (NoSuchFileException e) {
      checks.add(new Check(name, Status.NOTE, "removed while verifying (a running server replaced it)"));
      return;
    } catch (IOException | RuntimeException e) {
      checks.add(new Check(name, rawToo ? Status.NOTE : Status.DAMAGED, FileSafety.describe(e)
          + (rawToo ? " (its raw segment is still there and is used instead)" : "")));
      return;
    }
    if (!rawToo) {
      segmentSizes.put(base, covered);
    }
    long samples = records.stream().filter(r -> r.entry().samples() != null)
        .mapToLong(r -> r.entry().samples().size()).sum();
    String figures = "compressed: " + records.size() + " records, " + samples + " samples, covering "
        + covered + " bytes of log";
    if (expected != null && expected != base) {
      checks.add(new Check(name, Status.DAMAGED, (expected < base ? "the log has a gap: the previous segment ends at position "
          + expected : "overlaps the previous segment, which ends at position " + expected) + " (" + figures + ")"));
    } else {
      checks.add(new Check(name, rawToo ? Status.NOTE : Status.OK, figures
          + (rawToo ? "; its raw segment is still there (a compression cut short; the next start keeps one)" : "")));
    }
  }

  private byte[] read(Path p) throws IOException {
    try (FileOps.Handle h = fs.openRead(p)) {
      return Frames.readAll(h);
    }
  }

  private void checkSegment(long base, Path p, boolean last, Long expected) throws IOException {
    String name = p.getFileName().toString();
    byte[] data;
    try {
      data = read(p);
    } catch (NoSuchFileException e) {
      checks.add(new Check(name, Status.NOTE, "removed while verifying (a running server compressed it)"));
      return;
    }
    segmentSizes.put(base, (long) data.length);
    SegmentIndex index = new SegmentIndex();
    long[] counts = new long[3]; // records, unreadable, fillers
    List<String> unreadable = new ArrayList<>();
    Frames.Scan scan = Frames.scan(data, 0, (offset, bytes, at, len) -> {
      try {
        LogEntry e = Json.MAPPER.readValue(bytes, at, len, LogEntry.class);
        counts[0]++;
        if (e.type() == null) {
          counts[2]++;
        }
        if (e.samples() != null) {
          index.add(offset, e.samples());
        }
      } catch (IOException | RuntimeException ex) {
        counts[1]++;
        if (unreadable.size() < 3) {
          unreadable.add("record at offset " + offset + " has a valid checksum but cannot be read");
        }
      }
    });
    index.coveredSize = scan.end();
    rebuilt.put(base, index);
    List<String> damage = new ArrayList<>(unreadable);
    if (expected != null && expected != base) {
      damage.add(expected < base ? "the log has a gap: the previous segment ends at position " + expected
          : "overlaps the previous segment, which ends at position " + expected);
    }
    for (int[] d : scan.damaged()) {
      damage.add("bytes " + d[0] + " to " + d[1] + " fail their checksum (" + (d[1] - d[0]) + " bytes)");
    }
    String torn = scan.torn() ? (data.length - scan.end()) + " bytes after the last whole record at offset "
        + scan.end() : null;
    if (torn != null && !last) {
      damage.add("bytes " + scan.end() + " to " + data.length + " fail their checksum with no whole record after them"
          + " (a sealed segment damaged or cut short at its end)");
    }
    String figures = counts[0] + " records, " + data.length + " bytes"
        + (counts[2] > 0 ? ", " + counts[2] + " filler records over damage repaired earlier" : "");
    if (!damage.isEmpty()) {
      checks.add(new Check(name, Status.DAMAGED, String.join("; ", damage) + " (" + figures + ")"));
    } else if (torn != null) {
      checks.add(new Check(name, Status.NOTE, "torn tail of " + torn
          + " (a write cut short; the next start cuts it off); " + figures));
    } else {
      checks.add(new Check(name, Status.OK, figures));
    }
  }

  private void checkIndex(long base, Path p) throws IOException {
    String name = p.getFileName().toString();
    Long size = segmentSizes.get(base);
    if (size == null) {
      checks.add(new Check(name, Status.NOTE, "index of a segment that no longer exists; ignored"));
      return;
    }
    boolean last = base == segments.lastKey();
    try (FileOps.Handle h = fs.openRead(p)) {
      SegmentIndex index = SegmentIndex.readHeader(h);
      if (index == null) {
        checks.add(new Check(name, last ? Status.NOTE : Status.DAMAGED, "header fails its checksum or is cut short"
            + " (the index is rebuilt from its segment when needed)"));
        return;
      }
      if (index.coveredSize != size) {
        checks.add(new Check(name, last ? Status.NOTE : Status.DAMAGED, "covers " + index.coveredSize
            + " bytes of a segment of " + size + " bytes"));
        return;
      }
      SegmentIndex actual = rebuilt.get(base);
      List<String> wrong = new ArrayList<>();
      for (Map.Entry<String, SegmentIndex.Channel> e : index.channels.entrySet()) {
        SegmentIndex.Channel c = e.getValue();
        if (SegmentIndex.readPostings(h, c) == null) {
          wrong.add("postings of channel " + e.getKey() + " fail their checksum");
          continue;
        }
        SegmentIndex.Channel a = actual.channels.get(e.getKey());
        if (a == null || a.min != c.min || a.max != c.max || a.samples != c.samples) {
          wrong.add("channel " + e.getKey() + " does not match its segment");
        }
      }
      actual.channels.keySet().stream().filter(c -> !index.channels.containsKey(c))
          .forEach(c -> wrong.add("channel " + c + " of the segment is missing"));
      if (!wrong.isEmpty()) {
        checks.add(new Check(name, Status.DAMAGED, String.join("; ", wrong.subList(0, Math.min(5, wrong.size())))
            + (wrong.size() > 5 ? "; and " + (wrong.size() - 5) + " more" : "")));
      } else {
        checks.add(new Check(name, Status.OK, index.channels.size() + " channels"));
      }
    }
  }

  private void checkSnapshot(long position, Path p, long logStart, long logEnd) throws IOException {
    String name = p.getFileName().toString();
    byte[] data = read(p);
    int len = Frames.validAt(data, 0, data.length);
    if (len < 0) {
      checks.add(new Check(name, Status.DAMAGED, "fails its checksum or is cut short (" + data.length + " bytes)"));
      return;
    }
    SnapshotState s;
    try {
      s = SnapshotState.decode(data).state();
    } catch (IOException | RuntimeException e) {
      checks.add(new Check(name, Status.DAMAGED, "fails its checksum, is cut short or cannot be read ("
          + data.length + " bytes): " + FileSafety.describe(e)));
      return;
    }
    if (s.position() != position) {
      checks.add(new Check(name, Status.DAMAGED, "version " + s.version() + " at position " + s.position()
          + " does not match its name"));
      return;
    }
    if (!(segments.isEmpty() && compressed.isEmpty()) && (position > logEnd || position < logStart && snapshots.lastKey() == position)) {
      checks.add(new Check(name, Status.DAMAGED, "covers the log up to position " + position
          + " but the log holds positions " + logStart + " to " + logEnd));
      return;
    }
    checks.add(new Check(name, Status.OK, "covers the log up to position " + position + ": "
        + s.channels().size() + " channels, " + s.outages().size() + " outages, "
        + s.archivedWatches().size() + " archived watches, " + s.custom().size() + " custom values"));
  }

  private void checkOther(Path p) throws IOException {
    String name = p.getFileName().toString();
    if (name.equals("store.lock")) {
      return;
    }
    if (name.equals(AuditFile.FILE)) {
      checkFramedRecords(p, AuditRecord.class, "audit records");
    } else if (name.equals(OutageArchive.FILE)) {
      checkFramedRecords(p, ArchivedOutage.class, "archived outages");
    } else if (name.contains(".corrupt-")) {
      checks.add(new Check(name, Status.NOTE, "a damaged file kept aside by an earlier recovery; never read"));
    } else if (name.contains(FileSafety.TEMP_MARK)) {
      checks.add(new Check(name, Status.NOTE, "an unfinished replace; removed at the next start"));
    } else {
      checks.add(new Check(name, Status.NOTE, "not a file of the store; ignored"));
    }
  }

  /** A file of framed JSON records of one type (the outage archive, the audit log): every frame and record. */
  private void checkFramedRecords(Path p, Class<?> type, String what) throws IOException {
    byte[] data = read(p);
    long[] unreadable = {0};
    long[] records = {0};
    Frames.Scan scan = Frames.scan(data, 0, (offset, bytes, at, len) -> {
      try {
        Json.MAPPER.readValue(bytes, at, len, type);
        records[0]++;
      } catch (IOException | RuntimeException e) {
        unreadable[0]++;
      }
    });
    String name = p.getFileName().toString();
    if (!scan.damaged().isEmpty() || unreadable[0] > 0) {
      checks.add(new Check(name, Status.DAMAGED, scan.damaged().size() + " damaged ranges, " + unreadable[0]
          + " unreadable records, " + records[0] + " " + what + " readable"));
    } else if (scan.torn()) {
      checks.add(new Check(name, Status.NOTE, records[0] + " " + what + "; torn tail of " + (data.length - scan.end())
          + " bytes (an append cut short; the next start cuts it off)"));
    } else {
      checks.add(new Check(name, Status.OK, records[0] + " " + what));
    }
  }
}
