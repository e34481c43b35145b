package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.model.WindowStats;
import io.healthwatch.core.rules.ChannelRules;
import io.healthwatch.core.rules.Ids;
import io.healthwatch.core.rules.RollupBucket;
import io.healthwatch.core.rules.WatchRules;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.RestoreBatch;
import io.healthwatch.core.storage.RetentionResult;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StorageGauges;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.healthwatch.storage.disk.FileOps;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The storage engine behind {@code DiskStore}: an append-only log of mutations in segment files, a
 * time index per segment, state snapshots and an archive of old outages. It is not thread-safe:
 * the caller holds its monitor for every call, and only one thread (the writer) calls the methods
 * that write.
 *
 * <p>Writes follow a group protocol: {@link #beginGroup}, any number of write operations (each
 * appends one record and applies it to the in-memory state), then {@link #commitGroup} (one fsync)
 * or, on any I/O error, {@link #failGroup}, which drops what was not made durable and reloads the
 * state from disk.
 */
public final class DiskEngine {
  private static final System.Logger LOG = System.getLogger(DiskEngine.class.getName());
  private static final Comparator<Sample> TIME_ORDER =
      Comparator.comparingLong(Sample::timestamp).thenComparing(Sample::probeId);
  private static final Pattern SEGMENT = Pattern.compile("log-(\\d{20})\\.seg");
  private static final Pattern SNAPSHOT = Pattern.compile("snapshot-(\\d{20})\\.snap");
  private static final String LOCK_FILE = "store.lock";
  private static final int KEPT_SNAPSHOTS = 2;
  /** An active segment at least this large is sealed by {@link #close}; a smaller one is quick to scan. */
  static final long CLOSE_ROLL_BYTES = 1 << 20;
  private static final int MAX_REPORTED_PROBLEMS = 20;

  private final DiskStoreOptions options;
  private final StoreOptions storeOptions;
  private final FileOps fs;
  private final Path dir;
  private final ChannelRules rules;
  private Closeable lock;
  /** Opened by {@link #openReadOnly}: no lock, and no file is ever changed. */
  private final boolean readOnly;

  // The log.
  private final List<Segment> segments = new ArrayList<>();
  private long durableBase;
  private long durableSize;
  private boolean dirty;
  private boolean needsReset;
  private boolean retentionPending;
  private final TreeMap<Long, Long> snapshots = new TreeMap<>(); // position -> file size
  private final FileSafety safety;
  private final OutageArchive archive;
  private final RollupStore rollups;
  /** Bumped whenever {@link #channels} changes, so readers can keep an immutable copy until then. */
  private long channelsVersion;
  private long viewVersion = -1;
  private Map<String, ChannelState> channelView = Map.of();
  // Compression of sealed segments (SegmentCompactor); see compactNext.
  private final SegmentCompactor compactor;
  private final Set<Long> uncompactable = new HashSet<>();
  private long compacting = -1;
  private volatile boolean compactionDue;

  // The state.
  private final TreeMap<String, ChannelState> channels = new TreeMap<>();
  private final Map<String, TreeSet<Sample>> cache = new HashMap<>();
  /** Per channel: the cache holds every visible stored sample with a timestamp at or after this. */
  private final Map<String, Long> coveredFrom = new HashMap<>();
  private long cachedSamples;
  /** Channels whose cache was filled from the log since the last load ({@link #warmCache}). */
  private final Set<String> warmed = new HashSet<>();
  /** How long the last {@link #load} took, and its parts. */
  private String loadTimes = "";
  private final LinkedHashMap<String, Outage> outages = new LinkedHashMap<>();
  private final LinkedHashMap<String, Outage> pendingArchive = new LinkedHashMap<>();
  private WatchSession activeWatch;
  private volatile long activeWatchEndsAt = Long.MAX_VALUE;
  private final Deque<WatchSession> archivedWatches = new ArrayDeque<>();
  private final TreeMap<String, String> custom = new TreeMap<>();
  /** Channel -> log position of its last deletion: records before it are hidden for the channel. */
  private final Map<String, Long> deletions = new HashMap<>();
  /** {@code [position, cutoff]} by ascending position with descending cutoff. */
  private final List<long[]> retentionMarks = new ArrayList<>();

  private final Set<String> problems = new LinkedHashSet<>();
  private String writeError;
  private final List<StoreEvent> events = new ArrayList<>();
  private boolean closed;

  private static final class Segment {
    final long base;
    final Path path;
    final Path idxPath;
    final Path compressedPath;
    /** The raw segment's handle, or the compressed file's once {@link #compressed} is set. */
    FileOps.Handle handle;
    /** The length of the raw segment (log positions), also when compressed. */
    long size;
    SegmentIndex index;
    CompressedSegment compressed;

    Segment(Path dir, long base) {
      this.base = base;
      String name = String.format("log-%020d", base);
      this.path = dir.resolve(name + ".seg");
      this.idxPath = dir.resolve(name + ".idx");
      this.compressedPath = CompressedSegment.path(dir, base);
    }

    long end() {
      return base + size;
    }
  }

  private DiskEngine(DiskStoreOptions options, boolean readOnly) {
    this.readOnly = readOnly;
    this.options = options;
    this.storeOptions = options.getStoreOptions();
    this.fs = CountingFileOps.wrap(options.getFileOps(), storeOptions.getStorageListener());
    this.dir = options.getDataDir().toAbsolutePath().normalize();
    this.rules = new ChannelRules(storeOptions.getOutageThreshold());
    this.safety = new FileSafety(fs, dir, options.getRenameAttempts(), options.getRenameBackoffMs(), problems::add,
        storeOptions.getStorageListener());
    this.archive = new OutageArchive(fs, dir, problems::add);
    this.rollups = new RollupStore(storeOptions);
    this.compactor = new SegmentCompactor(fs, dir, safety, problems::add);
  }

  /**
   * Locks the data directory and recovers the state from it. Damaged files never stop the start:
   * they are kept aside and reported by {@link #health}. Fails only when the directory cannot be
   * used at all (in use by another process, not creatable, not writable).
   */
  public static DiskEngine open(DiskStoreOptions options) {
    DiskEngine engine = new DiskEngine(options, false);
    try {
      engine.fs.createDirectories(engine.dir);
      Optional<Closeable> lock = engine.fs.tryLock(engine.dir.resolve(LOCK_FILE));
      if (lock.isEmpty()) {
        throw StorageException.unavailable("data directory " + engine.dir + " is in use by another process", null);
      }
      engine.lock = lock.get();
    } catch (IOException e) {
      throw StorageException.unavailable("cannot use data directory " + engine.dir + ": " + FileSafety.describe(e), e);
    }
    try {
      engine.load(false);
      return engine;
    } catch (IOException | RuntimeException e) {
      engine.releaseQuietly();
      throw StorageException.unavailable("cannot open the store in " + engine.dir + ": " + FileSafety.describe(e), e);
    }
  }

  /**
   * Reads the state of a data directory without taking its lock and without changing any file,
   * also while a server writes to it: the newest valid snapshot, the log after it up to its last
   * whole record, the outage archive. Later writes of that server are not seen; damage is only
   * reported ({@link #health}). Only reads may be called.
   */
  public static DiskEngine openReadOnly(DiskStoreOptions options) {
    for (int attempt = 1; ; attempt++) {
      DiskEngine engine = new DiskEngine(new DiskStoreOptions(options).setFileOps(new ReadOnlyFileOps(options.getFileOps())),
          true);
      if (!engine.fs.exists(engine.dir)) {
        throw StorageException.unavailable("no data directory " + engine.dir, null);
      }
      try {
        engine.load(false);
        return engine;
      } catch (IOException | RuntimeException e) {
        engine.closeHandles();
        // A running server may replace a file between listing and opening it (a segment compressed,
        // a snapshot superseded): read the directory again.
        if (attempt < READ_ONLY_ATTEMPTS && causedBy(e, java.nio.file.NoSuchFileException.class)) {
          continue;
        }
        throw StorageException.unavailable("cannot read the store in " + engine.dir + ": " + FileSafety.describe(e), e);
      }
    }
  }

  private static final int READ_ONLY_ATTEMPTS = 10;

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  public Path directory() {
    return dir;
  }

  // ---------------------------------------------------------------------------------------------
  // Loading and recovery

  private void clearState() {
    segments.clear();
    snapshots.clear();
    channels.clear();
    cache.clear();
    coveredFrom.clear();
    warmed.clear();
    cachedSamples = 0;
    outages.clear();
    pendingArchive.clear();
    activeWatch = null;
    activeWatchEndsAt = Long.MAX_VALUE;
    archivedWatches.clear();
    custom.clear();
    deletions.clear();
    retentionMarks.clear();
    rollups.clear();
    channelsVersion++;
    events.clear();
    dirty = false;
  }

  /**
   * (Re)builds everything from the files. With {@code durableOnly}, after a failed write, it reads
   * the log only up to the last durable position and changes no file.
   */
  private void load(boolean durableOnly) throws IOException {
    long began = System.nanoTime();
    closeHandles();
    clearState();
    TreeMap<Long, Path> segmentFiles = new TreeMap<>();
    TreeMap<Long, Path> snapshotFiles = new TreeMap<>();
    TreeMap<Long, Path> compressedFiles = new TreeMap<>();
    for (Path p : fs.list(dir)) {
      String name = p.getFileName().toString();
      Matcher m;
      if (name.contains(FileSafety.TEMP_MARK)) {
        if (!durableOnly && !readOnly) {
          fs.delete(p); // an unfinished replace: the target it was meant for is intact
        }
      } else if ((m = SEGMENT.matcher(name)).matches()) {
        segmentFiles.put(Long.parseLong(m.group(1)), p);
      } else if ((m = SNAPSHOT.matcher(name)).matches()) {
        snapshotFiles.put(Long.parseLong(m.group(1)), p);
      } else if ((m = SegmentCompactor.COMPRESSED.matcher(name)).matches()) {
        compressedFiles.put(Long.parseLong(m.group(1)), p);
      }
    }
    if (durableOnly) {
      segmentFiles.tailMap(durableBase, false).clear();
    }
    // Compression hook: a crash while compressing may have left both files of a segment.
    TreeMap<Long, Path> compressedInUse = compactor.recover(segmentFiles, compressedFiles, durableOnly || readOnly);
    segmentFiles.putAll(compressedInUse);

    SnapshotState.Decoded snapshot = null;
    // The newest readable snapshot is decoded; every older one is checked whole by its checksums
    // (decoding one the load does not use took a cold JVM a third of a second): it is the fallback.
    for (Map.Entry<Long, Path> e : snapshotFiles.descendingMap().entrySet()) {
      if (snapshot == null) {
        snapshot = readSnapshot(e.getValue(), e.getKey(), durableOnly);
        if (snapshot != null) {
          snapshots.put(e.getKey(), 0L);
        }
      } else if (checkSnapshot(e.getValue(), durableOnly)) {
        snapshots.put(e.getKey(), 0L);
      }
    }
    for (Map.Entry<Long, Long> e : snapshots.entrySet()) {
      e.setValue(fileSize(snapshotPath(e.getKey())));
    }
    if (snapshot != null) {
      restore(snapshot);
    }
    long snapshotDone = System.nanoTime();

    if (segmentFiles.isEmpty()) {
      long base = snapshot != null ? snapshot.position() : 0;
      Segment s = new Segment(dir, base);
      s.index = new SegmentIndex();
      if (!readOnly) {
        s.handle = fs.open(s.path, true);
        fs.fsyncDirectory(dir);
      }
      segments.add(s);
    } else {
      long replayFrom = snapshot != null ? snapshot.position() : segmentFiles.firstKey();
      if (snapshot == null && (segmentFiles.firstKey() > 0 || !snapshotFiles.isEmpty())) {
        problems.add("no readable snapshot: the state was rebuilt from the log"
            + (segmentFiles.firstKey() > 0 ? " from position " + segmentFiles.firstKey()
                + "; the state of earlier records is lost" : ""));
      }
      long expected = snapshot != null ? Math.min(snapshot.position(), segmentFiles.firstKey()) : segmentFiles.firstKey();
      for (Map.Entry<Long, Path> e : segmentFiles.entrySet()) {
        boolean last = e.getKey().equals(segmentFiles.lastKey());
        Segment s = new Segment(dir, e.getKey());
        if (s.base > expected && s.base > replayFrom) {
          problems.add("the log has a gap between positions " + expected + " and " + s.base
              + ": the records there are lost");
        }
        if (compressedInUse.containsKey(s.base)) {
          if (!openCompressed(s, replayFrom, durableOnly)) {
            continue;
          }
        } else {
          openSegment(s, last, replayFrom, durableOnly);
        }
        segments.add(s);
        expected = s.end();
      }
      if (snapshot != null && snapshot.position() > logEnd() && !durableOnly && !readOnly) {
        // The log lost records the snapshot covers; new records must come after what it covers.
        problems.add("the log ends at position " + logEnd() + " but the snapshot covers it up to "
            + snapshot.position() + ": the samples written in between are lost");
        Segment s = new Segment(dir, snapshot.position());
        s.handle = fs.open(s.path, true);
        s.index = new SegmentIndex();
        fs.fsyncDirectory(dir);
        segments.add(s);
      }
    }
    if (!readOnly && !segments.isEmpty() && active().compressed != null) {
      // The raw segment after the last compressed one is gone: appends go to a new one.
      Segment s = new Segment(dir, logEnd());
      s.handle = fs.open(s.path, true);
      s.index = new SegmentIndex();
      fs.fsyncDirectory(dir);
      segments.add(s);
    }
    compactionDue = true;
    long segmentsDone = System.nanoTime();
    archive.load(safety, durableOnly || readOnly, snapshot != null ? snapshot.state().outageArchive() : null);
    if (rollups.needsRebuild()) {
      // A snapshot from before rollups existed: build them once from every stored sample.
      rollups.startRebuild();
      for (String c : channels.keySet()) {
        scanDisk(c, Long.MIN_VALUE, Long.MAX_VALUE, false, (min, max) -> false, rollups::add);
      }
    }
    Segment active = active();
    if (!durableOnly && !readOnly) {
      active.handle.force();
    }
    durableBase = active.base;
    durableSize = active.size;
    long done = System.nanoTime();
    loadTimes = String.format("%.0f ms: snapshot %.0f ms, %d segments %.0f ms, the rest %.0f ms",
        (done - began) / 1e6, (snapshotDone - began) / 1e6, segments.size(), (segmentsDone - snapshotDone) / 1e6,
        (done - segmentsDone) / 1e6);
  }

  /** How long the last load took, and its parts (logged at start). */
  public String loadTimes() {
    return loadTimes;
  }

  private void openSegment(Segment s, boolean last, long replayFrom, boolean durableOnly) throws IOException {
    if (last && !readOnly) {
      s.handle = fs.open(s.path, false);
      s.size = durableOnly ? durableSize : s.handle.size();
    } else {
      s.handle = fs.openRead(s.path);
      s.size = s.handle.size();
      s.index = readIndex(s);
    }
    if (s.index == null || s.end() > replayFrom) {
      scanSegment(s, last, replayFrom, durableOnly);
    }
  }

  /** Opens a compressed segment found at start and replays it if needed; false if it is unreadable. */
  private boolean openCompressed(Segment s, long replayFrom, boolean durableOnly) throws IOException {
    FileOps.Handle h = fs.openRead(s.compressedPath);
    CompressedSegment c = compactor.open(s.compressedPath, h, durableOnly || readOnly);
    if (c == null) {
      closeQuietly(h);
      return false;
    }
    s.handle = h;
    s.compressed = c;
    s.size = c.coveredSize;
    s.index = c.index();
    if (s.end() <= replayFrom) {
      return true;
    }
    if (replayFrom > s.base) {
      // Never written so: only segments every kept snapshot covers are compressed.
      problems.add("compressed segment " + s.compressedPath.getFileName() + " cannot be replayed from position "
          + replayFrom + ": its samples are not replayed into the channel states");
    }
    boolean whole = replayFrom <= s.base;
    s.compressed.replay(s.handle, s.base, new CompressedSegment.ReplayVisitor() {
      @Override
      public void samples(List<Sample> batch, long position) {
        if (whole) {
          apply(LogEntry.batch(batch), position);
        }
      }

      @Override
      public void record(long offset, byte[] json) {
        LogEntry e = s.base + offset >= replayFrom ? parse(json, 0, json.length, s, offset) : null;
        if (e != null) {
          apply(e, s.base + offset);
        }
      }
    }, d -> problems.add("compressed segment " + s.compressedPath.getFileName() + ": " + d));
    return true;
  }

  private SegmentIndex readIndex(Segment s) {
    if (!fs.exists(s.idxPath)) {
      return null;
    }
    try (FileOps.Handle h = fs.openRead(s.idxPath)) {
      SegmentIndex index = SegmentIndex.readHeader(h);
      if (index != null && index.coveredSize > s.size) {
        problems.add("log segment " + s.path.getFileName() + " is " + (index.coveredSize - s.size)
            + " bytes shorter than when it was sealed: the records at its end are lost");
      }
      return index != null && index.coveredSize == s.size ? index : null;
    } catch (IOException | RuntimeException e) {
      return null; // derived data: rebuilt from the segment
    }
  }

  private void scanSegment(Segment s, boolean last, long replayFrom, boolean durableOnly) throws IOException {
    byte[] data = Frames.readAll(s.handle);
    if (data.length > s.size) {
      data = java.util.Arrays.copyOf(data, (int) s.size);
    }
    boolean buildIndex = s.index == null;
    SegmentIndex index = buildIndex ? new SegmentIndex() : s.index;
    Frames.Scan scan = Frames.scan(data, 0, (offset, bytes, at, len) -> {
      LogEntry e = parse(bytes, at, len, s, offset);
      if (e == null) {
        return;
      }
      if (buildIndex && e.samples() != null) {
        index.add(offset, e.samples());
      }
      long pos = s.base + offset;
      if (pos >= replayFrom) {
        apply(e, pos);
      }
    });
    if (!scan.clean() && !durableOnly && !readOnly) {
      safety.repair(s.path, s.handle, data, scan, last, "log segment");
    } else if (!scan.clean() && readOnly) {
      scan.damaged().forEach(d -> problems.add("log segment " + s.path.getFileName() + ": bytes " + d[0] + " to "
          + d[1] + " are damaged; the records in them are missing"));
    }
    s.size = scan.end();
    index.coveredSize = s.size;
    s.index = index;
    if (buildIndex && !last && !durableOnly && !readOnly) {
      try {
        safety.replace(s.idxPath, index.encode());
        index.dropPostings();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "could not write the index of " + s.path + ": " + FileSafety.describe(e));
      }
    }
  }

  private LogEntry parse(byte[] bytes, int at, int len, Segment s, long offset) {
    try {
      return Json.MAPPER.readValue(bytes, at, len, LogEntry.class);
    } catch (IOException | RuntimeException e) {
      problems.add("log segment " + s.path.getFileName() + ": the record at offset " + offset
          + " has a valid checksum but cannot be read: " + FileSafety.describe(e));
      return null;
    }
  }

  private SnapshotState.Decoded readSnapshot(Path path, long position, boolean durableOnly) {
    try {
      byte[] data;
      try (FileOps.Handle h = fs.openRead(path)) {
        data = Frames.readAll(h);
      }
      SnapshotState.Decoded s = SnapshotState.decode(data);
      if (s.position() != position) {
        throw new IOException("unexpected position");
      }
      return s;
    } catch (IOException | RuntimeException e) {
      unreadableSnapshot(path, e, durableOnly);
      return null;
    }
  }

  /** Whether an older snapshot's checksums hold; if not, it is reported and kept aside like an unreadable one. */
  private boolean checkSnapshot(Path path, boolean durableOnly) {
    try {
      boolean whole;
      try (FileOps.Handle h = fs.openRead(path)) {
        whole = SnapshotState.checksumsHold(h);
      }
      if (!whole) {
        throw new IOException("bad checksum or length");
      }
      return true;
    } catch (IOException | RuntimeException e) {
      unreadableSnapshot(path, e, durableOnly);
      return false;
    }
  }

  private void unreadableSnapshot(Path path, Exception e, boolean durableOnly) {
    if (readOnly) {
      problems.add("snapshot " + path.getFileName() + " is unreadable (" + FileSafety.describe(e) + ")");
    } else if (!durableOnly) {
      String aside = safety.moveAside(path);
      problems.add("snapshot " + path.getFileName() + " is unreadable (" + FileSafety.describe(e)
          + "); kept aside as " + aside + "; the state was rebuilt from an older snapshot and the log");
    }
  }

  private void restore(SnapshotState.Decoded decoded) {
    SnapshotState s = decoded.state();
    for (ChannelState c : s.channels()) {
      channels.put(c.channelId(), c);
      coveredFrom.put(c.channelId(), c.lastSampleAt() == null ? Long.MIN_VALUE : c.lastSampleAt() + 1);
    }
    s.outages().forEach(o -> outages.put(o.id(), o));
    setActiveWatch(s.activeWatch());
    archivedWatches.addAll(s.archivedWatches());
    custom.putAll(s.custom());
    deletions.putAll(s.deletions());
    s.retentionMarks().forEach(m -> retentionMarks.add(m.clone()));
    retentionPending |= !retentionMarks.isEmpty();
    rollups.restore(s.rollups(), decoded.rollups());
    if (s.rollups() == null) {
      s.retentionMarks().forEach(m -> rollups.retention(m[1]));
    }
    channelsVersion++;
  }

  private SnapshotState snapshotState(long position) {
    return new SnapshotState(SnapshotState.VERSION, position, List.copyOf(channels.values()),
        List.copyOf(outages.values()), activeWatch, List.copyOf(archivedWatches), new TreeMap<>(custom),
        new TreeMap<>(deletions), List.copyOf(retentionMarks), archive.summary(), rollups.state());
  }

  // ---------------------------------------------------------------------------------------------
  // The write group protocol

  /** Prepares a group of writes: repairs after an earlier failure, checkpoints, rolls the segment. */
  public void beginGroup() throws IOException {
    checkOpen();
    if (needsReset) {
      dropUndurable();
      load(false);
      needsReset = false;
    }
    // A snapshot is due after the configured amount of log, and at least after as much log as the
    // last snapshot was large: with long rollup histories a snapshot grows, and this keeps the bytes
    // written for snapshots at most about the bytes of log (replay at start stays bounded as well).
    long lastSnapshot = snapshots.isEmpty() ? 0 : snapshots.lastEntry().getValue();
    if (logEnd() - snapshotBase() >= Math.max(options.getSnapshotIntervalBytes(), lastSnapshot)) {
      writeSnapshot();
    }
    if (active().size >= options.getSegmentBytes()) {
      roll();
    }
  }

  /** Whether the group wrote records that its commit must make durable. */
  public boolean hasPendingWrites() {
    return dirty;
  }

  /** Makes the group durable with one fsync. */
  public void commitGroup() throws IOException {
    Segment active = active();
    if (dirty) {
      active.handle.force();
      dirty = false;
      writeError = null; // only a write that succeeds shows the cause of a failure is gone
    }
    durableBase = active.base;
    durableSize = active.size;
    if (retentionPending) {
      retentionPending = false;
      try {
        deleteExpiredSegments();
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "could not delete expired log segments: " + FileSafety.describe(e));
      }
    }
  }

  /**
   * Called when a write of the group failed: forgets its events, drops what was written but not
   * made durable and reloads the state from disk. Returns the error to fail the group's writes with.
   */
  public StorageException failGroup(Throwable cause) {
    events.clear();
    dirty = false;
    needsReset = true;
    writeError = "the last write failed: " + FileSafety.describe(cause);
    try {
      dropUndurable();
      load(false);
      needsReset = false;
    } catch (IOException | RuntimeException e) {
      try {
        load(true);
      } catch (IOException | RuntimeException again) {
        LOG.log(System.Logger.Level.ERROR, "could not reload the state of " + dir + ": " + FileSafety.describe(again));
      }
    }
    if (cause instanceof StorageException se) {
      return se;
    }
    return StorageException.unavailable("cannot write to data directory " + dir + ": " + FileSafety.describe(cause), cause);
  }

  /** The events of the group so far, in order; cleared. */
  public List<StoreEvent> takeEvents() {
    List<StoreEvent> out = List.copyOf(events);
    events.clear();
    return out;
  }

  private void dropUndurable() throws IOException {
    closeHandles();
    boolean removed = false;
    for (Path p : fs.list(dir)) {
      Matcher m = SEGMENT.matcher(p.getFileName().toString());
      if (m.matches() && Long.parseLong(m.group(1)) > durableBase) {
        fs.delete(p);
        removed = true;
      }
    }
    Path durable = new Segment(dir, durableBase).path;
    if (fs.exists(durable)) {
      try (FileOps.Handle h = fs.open(durable, false)) {
        if (h.size() > durableSize) {
          h.truncate(durableSize);
        }
        h.force();
      }
    }
    if (removed) {
      fs.fsyncDirectory(dir);
    }
  }

  private Segment active() {
    return segments.get(segments.size() - 1);
  }

  private long logEnd() {
    return active().end();
  }

  private long snapshotBase() {
    return snapshots.isEmpty() ? segments.get(0).base : snapshots.lastKey();
  }

  private long append(LogEntry entry) throws IOException {
    byte[] frame = Frames.encode(Json.MAPPER.writeValueAsBytes(entry));
    Segment s = active();
    long offset = s.size;
    dirty = true;
    s.handle.write(ByteBuffer.wrap(frame), offset);
    s.size += frame.length;
    if (entry.samples() != null) {
      s.index.add(offset, entry.samples());
    }
    s.index.coveredSize = s.size;
    return s.base + offset;
  }

  private void roll() throws IOException {
    Segment old = active();
    old.index.coveredSize = old.size;
    safety.replace(old.idxPath, old.index.encode());
    Segment next = new Segment(dir, old.end());
    next.handle = fs.open(next.path, true);
    next.index = new SegmentIndex();
    segments.add(next);
    fs.fsyncDirectory(dir);
    durableBase = next.base;
    durableSize = 0;
    old.index.dropPostings();
  }

  /** Writes a snapshot of the state, which must be the durable one, and keeps the newest two. */
  private void writeSnapshot() throws IOException {
    long pos = logEnd();
    if (!pendingArchive.isEmpty()) {
      archive.append(pos, pendingArchive.values());
      pendingArchive.clear();
    }
    if (!snapshots.isEmpty() && snapshots.lastKey() == pos) {
      return;
    }
    byte[] frame = SnapshotState.encode(snapshotState(pos), rollups.channelBytes());
    safety.replace(snapshotPath(pos), frame);
    snapshots.put(pos, (long) frame.length);
    while (snapshots.size() > KEPT_SNAPSHOTS) {
      fs.delete(snapshotPath(snapshots.pollFirstEntry().getKey()));
    }
    // Segments a retention run could not delete while a kept snapshot still needed them may go now.
    retentionPending |= !retentionMarks.isEmpty();
    compactionDue = true;
  }

  private Path snapshotPath(long position) {
    return dir.resolve(String.format("snapshot-%020d.snap", position));
  }

  // ---------------------------------------------------------------------------------------------
  // Applying records (live and in replay)

  private List<StoreEvent> apply(LogEntry e, long pos) {
    if (e.type() == null) {
      return List.of();
    }
    switch (e.type()) {
      case LogEntry.BATCH -> {
        return applyBatch(e.samples());
      }
      case LogEntry.WATCH_START -> setActiveWatch(e.watch());
      case LogEntry.WATCH_END -> {
        setActiveWatch(null);
        archivedWatches.addFirst(e.watch());
        while (archivedWatches.size() > storeOptions.getMaxArchivedWatches()) {
          archivedWatches.removeLast();
        }
      }
      case LogEntry.CUSTOM_PUT -> custom.put(e.key(), e.value());
      case LogEntry.CUSTOM_DELETE -> custom.remove(e.key());
      case LogEntry.CHANNEL_DELETE -> applyChannelDelete(e.channel(), pos);
      case LogEntry.RETENTION -> applyRetentionMark(pos, e.cutoff());
      case LogEntry.RESTORE -> {
        applyRestoredStates(e.restored().channels());
        e.samples().forEach(this::cacheAddWithRollup);
        applyRestoredRest(e.restored());
      }
      default -> problems.add("the log holds a record of unknown type " + e.type() + " at position " + pos);
    }
    return List.of();
  }

  private List<StoreEvent> applyBatch(List<Sample> fresh) {
    ChannelRules.Batch applied = rules.applyAll(fresh, channels::get, outages::get);
    for (Sample s : fresh) {
      cacheAdd(s);
      rollups.add(s);
    }
    channels.putAll(applied.states());
    channelsVersion++;
    outages.putAll(applied.outages());
    archiveOverflow();
    return applied.events();
  }

  /** Moves the oldest closed outages beyond the bound of memory to the archive's queue. */
  private void archiveOverflow() {
    Iterator<Outage> it = outages.values().iterator();
    while (outages.size() > storeOptions.getMaxCachedOutages() && it.hasNext()) {
      Outage o = it.next();
      if (!o.open()) {
        it.remove();
        pendingArchive.put(o.id(), o);
      }
    }
  }

  /** A restored sample: cached, and counted in its channel's rollups. */
  private void cacheAddWithRollup(Sample s) {
    cacheAdd(s);
    rollups.add(s);
  }

  /** Restored states; the cache covers none of the samples before them (they are read from the log). */
  private void applyRestoredStates(List<ChannelState> restored) {
    channelsVersion++;
    for (ChannelState c : restored) {
      channels.put(c.channelId(), c);
      long floor = c.lastSampleAt() == null ? Long.MIN_VALUE : c.lastSampleAt() + 1;
      coveredFrom.merge(c.channelId(), floor, Math::max);
    }
  }

  private void applyRestoredRest(RestoreBatch b) {
    for (Outage o : b.outages()) {
      pendingArchive.remove(o.id());
      outages.put(o.id(), o);
    }
    archiveOverflow();
    b.activeWatch().ifPresent(this::setActiveWatch);
    List<WatchSession> merged = b.mergeArchived(archivedWatches, storeOptions.getMaxArchivedWatches());
    archivedWatches.clear();
    archivedWatches.addAll(merged);
    custom.putAll(b.custom());
  }

  private void cacheAdd(Sample s) {
    long floor = coveredFrom.computeIfAbsent(s.channelId(), c -> Long.MIN_VALUE);
    if (s.timestamp() < floor) {
      return;
    }
    TreeSet<Sample> set = cache.computeIfAbsent(s.channelId(), c -> new TreeSet<>(TIME_ORDER));
    if (!set.isEmpty() && set.first().channelId() != s.channelId()) {
      // Every parsed sample brings its own copy of the channel id; the cache keeps one per channel.
      s = new Sample(set.first().channelId(), s.timestamp(), s.success(), s.latencyMs(), s.reason(), s.note(), s.probeId());
    }
    if (set.add(s)) {
      cachedSamples++;
    }
    while (set.size() > storeOptions.getMaxCachedSamplesPerChannel()) {
      Sample evicted = set.pollFirst();
      cachedSamples--;
      floor = Math.max(floor, evicted.timestamp() + 1);
      coveredFrom.put(s.channelId(), floor);
    }
    while (!set.isEmpty() && set.first().timestamp() < floor) {
      set.pollFirst();
      cachedSamples--;
    }
  }

  private void setActiveWatch(WatchSession w) {
    activeWatch = w;
    activeWatchEndsAt = w == null ? Long.MAX_VALUE : w.endsAt();
  }

  private void applyChannelDelete(String channelId, long pos) {
    channels.remove(channelId);
    channelsVersion++;
    rollups.deleteChannel(channelId);
    TreeSet<Sample> removed = cache.remove(channelId);
    if (removed != null) {
      cachedSamples -= removed.size();
    }
    coveredFrom.put(channelId, Long.MIN_VALUE);
    warmed.remove(channelId);
    outages.values().removeIf(o -> o.channelId().equals(channelId));
    pendingArchive.values().removeIf(o -> o.channelId().equals(channelId));
    deletions.put(channelId, pos);
  }

  /** Returns the hour rollup buckets dropped. */
  private long applyRetentionMark(long pos, long cutoff) {
    retentionMarks.removeIf(m -> m[1] <= cutoff);
    retentionMarks.add(new long[] {pos, cutoff});
    for (TreeSet<Sample> set : cache.values()) {
      NavigableSet<Sample> old = set.headSet(bound(cutoff), false);
      cachedSamples -= old.size();
      old.clear();
    }
    retentionPending = true;
    return rollups.retention(cutoff);
  }

  private boolean visible(String channelId, long timestamp, long pos) {
    Long deletedAt = deletions.get(channelId);
    if (deletedAt != null && pos < deletedAt) {
      return false;
    }
    for (long[] m : retentionMarks) {
      if (m[0] > pos) {
        return timestamp >= m[1];
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Write operations (writer thread, inside a group)

  public IngestResult ingest(List<Sample> batch) throws IOException {
    List<Sample> fresh = new ArrayList<>(batch.size());
    Set<Sample.SampleKey> seen = new HashSet<>();
    Set<Sample.SampleKey> onDisk = storedOnDisk(batch);
    for (Sample s : batch) {
      if (seen.add(s.key()) && !stored(s, onDisk)) {
        fresh.add(s);
      }
    }
    if (fresh.isEmpty()) {
      return new IngestResult(0, batch.size(), List.of());
    }
    append(LogEntry.batch(fresh));
    List<StoreEvent> applied = applyBatch(fresh);
    events.addAll(applied);
    return new IngestResult(fresh.size(), batch.size() - fresh.size(), applied);
  }

  /** Whether a sample is stored: in the cache, or else among {@code onDisk} when only the log can tell. */
  private boolean stored(Sample s, Set<Sample.SampleKey> onDisk) {
    TreeSet<Sample> set = cache.get(s.channelId());
    if (set != null && set.contains(s)) {
      return true;
    }
    return needsDiskLookup(s) && onDisk.contains(s.key());
  }

  /** Older than what the cache covers and not newer than the channel's last sample: only the log can tell. */
  private boolean needsDiskLookup(Sample s) {
    ChannelState state = channels.get(s.channelId());
    return state != null && state.lastSampleAt() != null && s.timestamp() <= state.lastSampleAt()
        && s.timestamp() < coveredFrom.getOrDefault(s.channelId(), Long.MIN_VALUE);
  }

  /**
   * The identities among {@code batch} stored in the log, for the samples only the log can tell
   * about. A few are looked up one by one; many of one channel (a re-sent history, an import done
   * twice) with one read of the window they span, so each record is read once, not once a sample.
   */
  private Set<Sample.SampleKey> storedOnDisk(List<Sample> batch) throws IOException {
    Map<String, List<Sample>> byChannel = new HashMap<>();
    for (Sample s : batch) {
      if (needsDiskLookup(s)) {
        byChannel.computeIfAbsent(s.channelId(), c -> new ArrayList<>()).add(s);
      }
    }
    Set<Sample.SampleKey> found = new HashSet<>();
    for (Map.Entry<String, List<Sample>> e : byChannel.entrySet()) {
      List<Sample> wanted = e.getValue();
      if (wanted.size() <= 8) {
        for (Sample s : wanted) {
          if (storedInLog(s)) {
            found.add(s.key());
          }
        }
        continue;
      }
      Set<Sample.SampleKey> keys = new HashSet<>();
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (Sample s : wanted) {
        keys.add(s.key());
        min = Math.min(min, s.timestamp());
        max = Math.max(max, s.timestamp());
      }
      scanDisk(e.getKey(), min, max + 1, false, (lo, hi) -> false, d -> {
        if (keys.contains(d.key())) {
          found.add(d.key());
        }
      });
    }
    return found;
  }

  private boolean storedInLog(Sample s) throws IOException {
    boolean[] found = {false};
    scanDisk(s.channelId(), s.timestamp(), s.timestamp() + 1, false, (min, max) -> found[0], d -> {
      if (d.probeId().equals(s.probeId())) {
        found[0] = true;
      }
    });
    return found[0];
  }

  /** Writes restored records as they are (see {@link RestoreBatch}); returns how many samples were new. */
  public int restore(RestoreBatch batch) throws IOException {
    expireWatch();
    Optional<WatchSession> restoredActive = batch.activeWatch();
    if (restoredActive.isPresent() && activeWatch != null && !activeWatch.id().equals(restoredActive.get().id())) {
      throw StorageException.conflict("a watch is already active: " + activeWatch.id());
    }
    // States first, so the samples of a restored channel are checked against what is stored. Should
    // the append fail, the group's failure reloads the state from disk.
    applyRestoredStates(batch.channels());
    List<Sample> fresh = new ArrayList<>(batch.samples().size());
    Set<Sample.SampleKey> seen = new HashSet<>();
    Set<Sample.SampleKey> onDisk = storedOnDisk(batch.samples());
    for (Sample s : batch.samples()) {
      if (seen.add(s.key()) && !stored(s, onDisk)) {
        fresh.add(s);
      }
    }
    append(LogEntry.restore(fresh, batch));
    fresh.forEach(this::cacheAddWithRollup);
    applyRestoredRest(batch);
    return fresh.size();
  }

  public WatchSession startWatch(long durationMs, List<String> watched) throws IOException {
    expireWatch();
    if (activeWatch != null) {
      throw StorageException.conflict("a watch is already active: " + activeWatch.id());
    }
    long now = storeOptions.getClock().millis();
    WatchSession w = new WatchSession(Ids.next(now), now, now + durationMs, null, watched, Map.of());
    append(LogEntry.watch(LogEntry.WATCH_START, w));
    setActiveWatch(w);
    WatchSession started = withStats(w);
    events.add(new StoreEvent.WatchChanged(started));
    return started;
  }

  public Optional<WatchSession> stopWatch() throws IOException {
    expireWatch();
    if (activeWatch == null) {
      return Optional.empty();
    }
    return Optional.of(archiveWatch(storeOptions.getClock().millis()));
  }

  public Optional<WatchSession> currentWatch() throws IOException {
    expireWatch();
    return activeWatch == null ? Optional.empty() : Optional.of(withStats(activeWatch));
  }

  public List<WatchSession> watches(int limit) throws IOException {
    expireWatch();
    return archivedWatches.stream().limit(limit).toList();
  }

  /** Whether the active watch has reached its planned end; cheap, for a timer on an event loop. */
  public boolean watchExpired() {
    return storeOptions.getClock().millis() >= activeWatchEndsAt;
  }

  public void expireWatch() throws IOException {
    if (!readOnly && activeWatch != null && storeOptions.getClock().millis() >= activeWatch.endsAt()) {
      archiveWatch(activeWatch.endsAt());
    }
  }

  private WatchSession archiveWatch(long endedAt) throws IOException {
    WatchSession ended = withStats(activeWatch.endedAt(endedAt));
    append(LogEntry.watch(LogEntry.WATCH_END, ended));
    apply(LogEntry.watch(LogEntry.WATCH_END, ended), 0);
    events.add(new StoreEvent.WatchChanged(ended));
    return ended;
  }

  private WatchSession withStats(WatchSession w) throws IOException {
    long end = WatchRules.windowEnd(w);
    Map<String, RollupBucket> windows = new HashMap<>();
    for (String c : WatchRules.coveredChannels(w, channels.keySet())) {
      windows.put(c, window(c, w.startedAt(), end));
    }
    Map<String, List<Outage>> byChannel = new HashMap<>();
    boolean archiveCounts = archive.maxConfirmedAt() >= w.startedAt();
    for (Outage o : (archiveCounts ? allOutages() : recentOutages()).values()) {
      byChannel.computeIfAbsent(o.channelId(), k -> new ArrayList<>()).add(o);
    }
    return w.withStats(WatchRules.statsFromWindows(w, channels.keySet(),
        c -> windows.getOrDefault(c, RollupBucket.accumulator()),
        c -> byChannel.getOrDefault(c, List.of())));
  }

  public void putCustom(String key, String json) throws IOException {
    append(LogEntry.customPut(key, json));
    custom.put(key, json);
  }

  public boolean deleteCustom(String key) throws IOException {
    if (!custom.containsKey(key)) {
      return false;
    }
    append(LogEntry.customDelete(key));
    custom.remove(key);
    return true;
  }

  public boolean deleteChannel(String channelId) throws IOException {
    if (!channels.containsKey(channelId)) {
      return false;
    }
    long pos = append(LogEntry.channelDelete(channelId));
    applyChannelDelete(channelId, pos);
    return true;
  }

  public RetentionResult applyRetention(long cutoff) throws IOException {
    long removed = 0;
    for (String c : channels.keySet()) {
      removed += countVisible(c, cutoff);
    }
    long pos = append(LogEntry.retention(cutoff));
    long buckets = applyRetentionMark(pos, cutoff);
    return new RetentionResult(cutoff, removed, rollups.rollupCutoff(cutoff), buckets);
  }

  private long countVisible(String channelId, long cutoff) throws IOException {
    long[] count = {0};
    for (Segment s : segments) {
      SegmentIndex.Channel ce = s.index.channels.get(channelId);
      if (ce == null || ce.min >= cutoff) {
        continue;
      }
      Long deletedAt = deletions.get(channelId);
      boolean untouched = ce.max < cutoff && (deletedAt == null || deletedAt <= s.base)
          && retentionMarks.stream().noneMatch(m -> m[0] > s.base && m[1] > ce.min);
      if (untouched) {
        count[0] += ce.samples;
      } else {
        scanSegmentWindow(s, channelId, Long.MIN_VALUE, cutoff, x -> count[0]++);
      }
    }
    return count[0];
  }

  private void deleteExpiredSegments() throws IOException {
    if (snapshots.isEmpty()) {
      return;
    }
    long replayStart = snapshots.firstKey();
    boolean removed = false;
    while (segments.size() > 1) {
      Segment s = segments.get(0);
      if (s.end() > replayStart || !allHidden(s)) {
        break;
      }
      if (s.base == compacting) {
        retentionPending = true; // deleted once the compactor is done with it
        break;
      }
      s.handle.close();
      fs.delete(s.path);
      fs.delete(s.idxPath);
      fs.delete(s.compressedPath);
      segments.remove(0);
      removed = true;
    }
    if (removed) {
      fs.fsyncDirectory(dir);
      long first = segments.get(0).base;
      retentionMarks.removeIf(m -> m[0] <= first);
    }
  }

  private boolean allHidden(Segment s) {
    for (Map.Entry<String, SegmentIndex.Channel> e : s.index.channels.entrySet()) {
      Long deletedAt = deletions.get(e.getKey());
      if (deletedAt != null && deletedAt >= s.end()) {
        continue;
      }
      if (!(e.getValue().max < cutoffFor(s.end()))) {
        return false;
      }
    }
    return true;
  }

  /** The retention cutoff that applies to every record before {@code pos}. */
  private long cutoffFor(long pos) {
    for (long[] m : retentionMarks) {
      if (m[0] >= pos) {
        return m[1];
      }
    }
    return Long.MIN_VALUE;
  }

  // ---------------------------------------------------------------------------------------------
  // Compression of sealed segments (called from the compactor thread)

  /** Whether a segment may have become ready for compression since the last look; cheap, any thread. */
  public boolean compactionDue() {
    return compactionDue;
  }

  /**
   * Compresses the oldest sealed segment that every kept snapshot covers (so a start never replays
   * a part of it). Unlike the other methods it is called WITHOUT the monitor held: it takes it only
   * to pick the segment and to switch it over, never while it reads, encodes or writes, so writes
   * and queries go on meanwhile. False when there was nothing to do or {@code stopping} said stop.
   */
  public boolean compactNext(BooleanSupplier stopping) throws IOException {
    SegmentCompactor.Job job;
    synchronized (this) {
      job = closed || writeError != null || needsReset ? null : compactionCandidate();
      if (job == null) {
        return false;
      }
      compacting = job.base();
    }
    try {
      byte[] file = compactor.build(job);
      if (file == null) {
        synchronized (this) {
          uncompactable.add(job.base());
        }
        return true;
      }
      if (stopping.getAsBoolean()) {
        return false;
      }
      compactor.write(job, file);
      FileOps.Handle h = fs.openRead(job.compressed());
      CompressedSegment c;
      try {
        c = CompressedSegment.open(h);
      } catch (IOException | RuntimeException e) {
        closeQuietly(h);
        throw e;
      }
      boolean installed;
      boolean gone;
      synchronized (this) {
        Segment s = segments.stream().filter(x -> x.base == job.base()).findFirst().orElse(null);
        gone = s == null;
        installed = !closed && s != null && s.compressed == null && s.size == job.size();
        if (installed) {
          closeQuietly(s.handle);
          s.handle = h;
          s.compressed = c;
          s.index = c.index();
        }
      }
      if (installed) {
        compactor.removeRaw(job);
      } else {
        closeQuietly(h);
        if (gone) {
          fs.delete(job.compressed());
          fs.fsyncDirectory(dir);
        }
      }
      return true;
    } catch (IOException | RuntimeException e) {
      synchronized (this) {
        compactionDue = false; // tried again after the next snapshot, not after every write
      }
      throw e;
    } finally {
      synchronized (this) {
        compacting = -1;
      }
    }
  }

  /**
   * Sealed segments waiting for the background compression (every kept snapshot covers them), the
   * one being compressed included; 0 when compression is off or idle. Benchmarks wait for 0 after a
   * start, when a freshly loaded history may still be compressed.
   */
  private int segmentsToCompress() {
    if (!options.isCompressSealedSegments() || readOnly || snapshots.isEmpty()) {
      return 0;
    }
    int n = 0;
    for (int i = 0; i < segments.size() - 1; i++) {
      Segment s = segments.get(i);
      if (s.end() > snapshots.firstKey()) {
        break;
      }
      if (s.compressed == null && s.size > 0 && !uncompactable.contains(s.base)) {
        n++;
      }
    }
    return n;
  }

  private SegmentCompactor.Job compactionCandidate() {
    if (!snapshots.isEmpty()) {
      long covered = snapshots.firstKey();
      for (int i = 0; i < segments.size() - 1; i++) {
        Segment s = segments.get(i);
        if (s.end() > covered) {
          break;
        }
        if (s.compressed == null && s.size > 0 && !uncompactable.contains(s.base)) {
          return new SegmentCompactor.Job(s.base, s.path, s.idxPath, s.compressedPath, s.size);
        }
      }
    }
    compactionDue = false;
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  public List<ChannelState> channels() {
    return List.copyOf(channels.values());
  }

  /**
   * The channel states as an immutable sorted map, the same object until they change: the store
   * takes it after every group and serves the channel list and single channels from it without
   * waiting for the engine (no history is read, no lock is taken).
   */
  public Map<String, ChannelState> channelView() {
    if (viewVersion != channelsVersion) {
      channelView = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(channels));
      viewVersion = channelsVersion;
    }
    return channelView;
  }

  public Optional<ChannelState> channel(String channelId) {
    return Optional.ofNullable(channels.get(channelId));
  }

  public List<Sample> samples(String channelId, SampleQuery q) throws IOException {
    long from = q.effectiveFrom();
    long to = q.effectiveTo();
    if (!channels.containsKey(channelId) || from >= to) {
      return List.of();
    }
    boolean desc = q.order() == SortOrder.DESC;
    warmCache(channelId, to);
    long floor = coveredFrom.getOrDefault(channelId, Long.MIN_VALUE);
    TreeSet<Sample> set = cache.getOrDefault(channelId, new TreeSet<>(TIME_ORDER));
    long lo = Math.max(from, floor);
    if (lo < to) {
      NavigableSet<Sample> cached = set.subSet(bound(lo), true, bound(to), false);
      List<Sample> hits = (desc ? cached.descendingSet() : cached).stream()
          .filter(q::afterCursor).limit(q.limit()).toList();
      if (from >= floor || (desc && hits.size() >= q.limit())) {
        return hits;
      }
    }
    TreeSet<Sample> best = new TreeSet<>(TIME_ORDER);
    RangeSkip cannotImprove = (min, max) -> best.size() >= q.limit()
        && (desc ? max < best.first().timestamp() : min > best.last().timestamp());
    scanDisk(channelId, from, to, desc, cannotImprove, s -> {
      if (!q.afterCursor(s)) {
        return;
      }
      best.add(s);
      if (best.size() > q.limit()) {
        if (desc) {
          best.pollFirst();
        } else {
          best.pollLast();
        }
      }
    });
    return new ArrayList<>(desc ? best.descendingSet() : best);
  }

  /** Whether records whose samples lie in {@code [min, max]} cannot change an answer. */
  @FunctionalInterface
  private interface RangeSkip {
    boolean test(long min, long max);
  }

  public WindowStats stats(String channelId, long from, long to) throws IOException {
    return window(channelId, from, to).toWindowStats(channelId, from, to);
  }

  /** A window from the hour rollups, with raw samples (cache or time index) for its partial hours. */
  private RollupBucket window(String channelId, long from, long to) throws IOException {
    if (!channels.containsKey(channelId) || from >= to) {
      return RollupBucket.accumulator();
    }
    return rollups.window(channelId, from, to, (a, b, out) -> forEachInWindow(channelId, a, b, out));
  }

  private void forEachInWindow(String channelId, long from, long to, Consumer<Sample> out) throws IOException {
    warmCache(channelId, to);
    long floor = coveredFrom.getOrDefault(channelId, Long.MIN_VALUE);
    if (from >= floor) {
      TreeSet<Sample> set = cache.get(channelId);
      if (set != null && from < to) {
        set.subSet(bound(from), true, bound(to), false).forEach(out);
      }
      return;
    }
    scanDisk(channelId, from, to, false, (min, max) -> false, out);
  }

  /**
   * After a start the cache holds only the samples replayed after the snapshot, so without this
   * every read of a channel's newest samples would go to the log. The first read of a channel whose
   * cache is not full and does not reach back to its first sample loads, once, the newest samples
   * older than what the cache covers (as many as fit), so that the cache again holds the channel's
   * newest {@code maxCachedSamplesPerChannel} samples and covers everything from the oldest of
   * them on. Later writes keep it so ({@link #cacheAdd}); a reload forgets it. Only a read that
   * reaches what the cache covers ({@code to} after its floor: the newest samples) does this; a
   * window of older samples reads just its part of the log.
   */
  private void warmCache(String channelId, long to) throws IOException {
    long floor = coveredFrom.getOrDefault(channelId, Long.MIN_VALUE);
    TreeSet<Sample> set = cache.get(channelId);
    int want = storeOptions.getMaxCachedSamplesPerChannel() - (set == null ? 0 : set.size());
    if (floor == Long.MIN_VALUE || to <= floor || want <= 0 || !warmed.add(channelId)) {
      return;
    }
    // One more than wanted: a sample not loaded may share the oldest timestamp loaded, so the cache
    // covers only from the millisecond after it, and the samples at that millisecond stay out.
    int load = want + 1;
    TreeSet<Sample> older = new TreeSet<>(TIME_ORDER);
    scanDisk(channelId, Long.MIN_VALUE, floor, true,
        (min, max) -> older.size() >= load && max < older.first().timestamp(), s -> {
          older.add(s);
          if (older.size() > load) {
            older.pollFirst();
          }
        });
    // Fewer than that: these are all the samples before the floor.
    long newFloor = older.size() < load ? Long.MIN_VALUE : older.first().timestamp() + 1;
    coveredFrom.put(channelId, newFloor);
    for (Sample s : older) {
      if (s.timestamp() >= newFloor) {
        cacheAdd(s);
      }
    }
  }

  /** A key that sorts before every sample at {@code timestamp}. */
  private static Sample bound(long timestamp) {
    return new Sample("", timestamp, true, null, null, null, "");
  }

  private void scanDisk(String channelId, long from, long to, boolean newestFirst,
      RangeSkip skip, Consumer<Sample> out) throws IOException {
    List<Segment> order = new ArrayList<>(segments);
    if (newestFirst) {
      java.util.Collections.reverse(order);
    }
    for (Segment s : order) {
      SegmentIndex.Channel ce = s.index.channels.get(channelId);
      if (ce == null || ce.max < from || ce.min >= to || skip.test(ce.min, ce.max)) {
        continue;
      }
      scanSegmentWindow(s, channelId, from, to, skip, out);
    }
  }

  private void scanSegmentWindow(Segment s, String channelId, long from, long to, Consumer<Sample> out)
      throws IOException {
    scanSegmentWindow(s, channelId, from, to, (min, max) -> false, out);
  }

  private void scanSegmentWindow(Segment s, String channelId, long from, long to, RangeSkip skip,
      Consumer<Sample> out) throws IOException {
    if (s.compressed != null) {
      CompressedSegment c = s.compressed;
      c.read(s.handle, channelId, from, to, (x, epoch) -> {
        if (visible(channelId, x.timestamp(), c.position(s.base, epoch))) {
          out.accept(x);
        }
      }, d -> problems.add("compressed segment " + s.compressedPath.getFileName() + ": " + d));
      return;
    }
    SegmentIndex.Channel ce = s.index.channels.get(channelId);
    long[] postings = postings(s, ce);
    if (postings == null) {
      rebuildIndex(s);
      ce = s.index.channels.get(channelId);
      if (ce == null) {
        return;
      }
      postings = ce.postings;
    }
    for (int i = 0; i < ce.postingCount; i++) {
      long offset = postings[i * 3];
      if (postings[i * 3 + 2] < from || postings[i * 3 + 1] >= to || skip.test(postings[i * 3 + 1], postings[i * 3 + 2])) {
        continue;
      }
      LogEntry e = readEntry(s, offset);
      if (e == null || e.samples() == null) {
        continue;
      }
      long pos = s.base + offset;
      for (Sample x : e.samples()) {
        if (x.channelId().equals(channelId) && x.timestamp() >= from && x.timestamp() < to
            && visible(channelId, x.timestamp(), pos)) {
          out.accept(x);
        }
      }
    }
  }

  private long[] postings(Segment s, SegmentIndex.Channel ce) {
    if (ce.postings != null) {
      return ce.postings;
    }
    try (FileOps.Handle h = fs.openRead(s.idxPath)) {
      return SegmentIndex.readPostings(h, ce);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** Rebuilds a damaged index of a sealed segment in memory from the segment itself. */
  private void rebuildIndex(Segment s) throws IOException {
    byte[] data = Frames.readAll(s.handle);
    SegmentIndex index = new SegmentIndex();
    Frames.scan(data, 0, (offset, bytes, at, len) -> {
      LogEntry e = parse(bytes, at, len, s, offset);
      if (e != null && e.samples() != null) {
        index.add(offset, e.samples());
      }
    });
    index.coveredSize = s.size;
    s.index = index;
  }

  private LogEntry readEntry(Segment s, long offset) throws IOException {
    byte[] payload = Frames.readAt(s.handle, offset);
    if (payload == null) {
      problems.add("log segment " + s.path.getFileName() + ": the record at offset " + offset
          + " failed its checksum when read; its samples are missing from answers");
      return null;
    }
    try {
      return Json.MAPPER.readValue(payload, LogEntry.class);
    } catch (IOException e) {
      problems.add("log segment " + s.path.getFileName() + ": the record at offset " + offset
          + " cannot be read: " + FileSafety.describe(e));
      return null;
    }
  }

  public List<Outage> outages(OutageQuery q) throws IOException {
    List<Outage> recent = newestFirst(recentOutages(), q);
    // The archive only holds outages that failed first no later than maxFirstFailureAt.
    boolean archiveCannotMatch = q.from() > archive.maxFirstFailureAt()
        || (recent.size() == q.limit() && recent.get(q.limit() - 1).firstFailureAt() > archive.maxFirstFailureAt());
    return archiveCannotMatch ? recent : newestFirst(allOutages(), q);
  }

  private static List<Outage> newestFirst(Map<String, Outage> candidates, OutageQuery q) {
    return candidates.values().stream()
        .filter(q::matches)
        .sorted(Comparator.comparingLong(Outage::firstFailureAt).thenComparing(Outage::id).reversed())
        .limit(q.limit())
        .toList();
  }

  public Optional<Outage> outage(String id) throws IOException {
    Outage o = outages.get(id);
    if (o == null) {
      o = pendingArchive.get(id);
    }
    if (o == null) {
      o = readArchive().get(id);
    }
    return Optional.ofNullable(o);
  }

  /** Every visible outage by id: the archive, then the ones in memory over it. */
  private Map<String, Outage> allOutages() throws IOException {
    Map<String, Outage> all = readArchive();
    all.putAll(recentOutages());
    return all;
  }

  /** The outages in memory: those waiting for the archive, then the current ones over them. */
  private Map<String, Outage> recentOutages() {
    Map<String, Outage> recent = new LinkedHashMap<>(pendingArchive);
    recent.putAll(outages);
    return recent;
  }

  private Map<String, Outage> readArchive() throws IOException {
    return archive.read(a -> {
      Long deletedAt = deletions.get(a.outage().channelId());
      return deletedAt == null || a.position() >= deletedAt;
    });
  }

  public Optional<String> custom(String key) {
    return Optional.ofNullable(custom.get(key));
  }

  // ---------------------------------------------------------------------------------------------
  // Dumps: everything as stored

  /**
   * Up to {@code limit} samples of a channel in (timestamp, probe id) order, strictly after {@code
   * after} (null: from the first).
   */
  public List<Sample> samplesAfter(String channelId, Sample.SampleKey after, int limit) throws IOException {
    if (!channels.containsKey(channelId)) {
      return List.of();
    }
    long from = after == null ? Long.MIN_VALUE : after.timestamp();
    Sample afterKey = after == null ? null : new Sample(channelId, after.timestamp(), true, null, null, null,
        after.probeId());
    TreeSet<Sample> best = new TreeSet<>(TIME_ORDER);
    Consumer<Sample> take = x -> {
      if (afterKey == null || TIME_ORDER.compare(x, afterKey) > 0) {
        best.add(x);
        if (best.size() > limit) {
          best.pollLast();
        }
      }
    };
    if (from >= coveredFrom.getOrDefault(channelId, Long.MIN_VALUE)) {
      TreeSet<Sample> set = cache.get(channelId);
      if (set != null) {
        set.tailSet(bound(from), true).forEach(take);
      }
    } else {
      scanDisk(channelId, from, Long.MAX_VALUE, false,
          (min, max) -> best.size() >= limit && min > best.last().timestamp(), take);
    }
    return new ArrayList<>(best);
  }

  /** Every visible outage, the archived ones included. */
  public List<Outage> allOutageList() throws IOException {
    return List.copyOf(allOutages().values());
  }

  /** The active watch (as stored, without statistics) and the archived ones, newest first. */
  public List<WatchSession> storedWatches() {
    List<WatchSession> out = new ArrayList<>();
    if (activeWatch != null) {
      out.add(activeWatch);
    }
    out.addAll(archivedWatches);
    return out;
  }

  public Map<String, String> customValues() {
    return new TreeMap<>(custom);
  }

  public StoreHealth health() {
    List<String> list = new ArrayList<>();
    StoreHealth.Status status;
    if (closed) {
      status = StoreHealth.Status.DOWN;
      list.add("store is closed");
    } else if (writeError != null) {
      status = StoreHealth.Status.DOWN;
      list.add(writeError);
    } else {
      status = problems.isEmpty() ? StoreHealth.Status.UP : StoreHealth.Status.DEGRADED;
    }
    problems.stream().limit(MAX_REPORTED_PROBLEMS).forEach(list::add);
    if (problems.size() > MAX_REPORTED_PROBLEMS) {
      list.add("and " + (problems.size() - MAX_REPORTED_PROBLEMS) + " more problems");
    }
    long logBytes = 0;
    int compressedSegments = 0;
    long compressedBytes = 0;
    long compressedSamples = 0;
    for (Segment s : segments) {
      logBytes += s.compressed != null ? s.compressed.fileSize : s.size;
      if (s.compressed != null) {
        compressedSegments++;
        compressedBytes += s.compressed.fileSize;
        compressedSamples += s.index.channels.values().stream().mapToLong(c -> c.samples).sum();
      }
    }
    long snapshotBytes = snapshots.values().stream().mapToLong(Long::longValue).sum();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("backend", "disk");
    details.put("dataDir", dir.toString());
    details.put("channels", channels.size());
    details.put("rollupBuckets", rollups.buckets());
    details.put("segments", segments.size());
    details.put("compressedSegments", compressedSegments);
    details.put("compressedBytes", compressedBytes);
    details.put("compressedSamples", compressedSamples);
    details.put("segmentsToCompress", segmentsToCompress());
    details.put("logBytes", logBytes);
    details.put("snapshotBytes", snapshotBytes);
    details.put("outageArchiveBytes", archive.size());
    details.put("diskBytes", logBytes + snapshotBytes + archive.size());
    details.put("logEnd", segments.isEmpty() ? 0 : logEnd());
    details.put("snapshotPosition", snapshots.isEmpty() ? -1 : snapshots.lastKey());
    return new StoreHealth(status, list, new StoreHealth.CacheUsage(cachedSamples,
        storeOptions.getMaxCachedSamplesPerChannel(), outages.size(), archivedWatches.size()), details);
  }

  /**
   * Data size, free space of the directory's file system, segments, the oldest kept sample (the
   * oldest timestamp the retained segments can still show, raised to the retention cutoff that
   * applies to them) and the cache.
   */
  public StorageGauges gauges() {
    long bytes = archive.size();
    long oldest = Long.MAX_VALUE;
    for (Segment s : segments) {
      bytes += s.size;
      long cutoff = cutoffFor(s.end());
      for (Map.Entry<String, SegmentIndex.Channel> e : s.index.channels.entrySet()) {
        Long deletedAt = deletions.get(e.getKey());
        boolean deleted = deletedAt != null && deletedAt >= s.end();
        if (!deleted && e.getValue().max >= cutoff) {
          oldest = Math.min(oldest, Math.max(e.getValue().min, cutoff));
        }
      }
    }
    bytes += snapshots.values().stream().mapToLong(Long::longValue).sum();
    long free;
    try {
      free = fs.usableSpace(dir);
    } catch (IOException e) {
      free = StorageGauges.UNKNOWN;
    }
    return new StorageGauges(bytes, free, segments.size(), oldest == Long.MAX_VALUE ? StorageGauges.UNKNOWN : oldest,
        cache.size(), cachedSamples);
  }

  // ---------------------------------------------------------------------------------------------
  // Closing

  /** Writes a final snapshot (so the next start replays nothing), closes files, releases the lock. */
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    IOException failure = null;
    try {
      if (!readOnly && !needsReset && writeError == null) {
        // The next start finds no index of the active segment and parses all of it to build one
        // (a third of a second for 20 MB); sealed here, it starts from the index instead.
        if (active().size >= CLOSE_ROLL_BYTES) {
          roll();
        }
        if (logEnd() > snapshotBase()) {
          writeSnapshot();
        }
      }
    } catch (IOException e) {
      failure = e;
    }
    closeHandles();
    releaseQuietly();
    if (failure != null) {
      throw failure;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw StorageException.unavailable("the store is closed", null);
    }
  }

  private void closeHandles() {
    for (Segment s : segments) {
      closeQuietly(s.handle);
      s.handle = null;
    }
    archive.close();
  }

  private void releaseQuietly() {
    closeQuietly(lock);
    lock = null;
  }

  private static void closeQuietly(Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // nothing left to do with it
      }
    }
  }

  private long fileSize(Path p) {
    try (FileOps.Handle h = fs.openRead(p)) {
      return h.size();
    } catch (IOException e) {
      return 0;
    }
  }


}
