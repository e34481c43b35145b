package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StorageListener;
import io.healthwatch.storage.disk.DiskStoreOptions;
import io.healthwatch.storage.disk.FileOps;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@code audit.log} beside the store's log: the audit trail as framed JSON {@link AuditRecord}s
 * ({@link Frames}, the framing of the log), append-only. One writer thread of its own takes every
 * waiting record, appends them, fsyncs once and only then completes their Futures (group commit),
 * so a flood of refused requests costs one fsync per group and never holds a Vert.x worker thread.
 * A torn tail (a crash during an append) is cut at open; damage in the middle is kept aside as
 * {@code audit.log.corrupt-<time>} and reported, as for the other framed files.
 */
public final class AuditFile implements Closeable {
  static final String FILE = "audit.log";
  private static final System.Logger LOG = System.getLogger(AuditFile.class.getName());
  private static final int MAX_GROUP = 1_024;

  private final FileOps fs;
  private final Path dir;
  private final Path path;
  private final Set<String> problems = ConcurrentHashMap.newKeySet();
  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private final Object fileLock = new Object();
  private FileOps.Handle handle;
  /** Bytes of the file that are fsync'd; readers see only these. */
  private volatile long durable;
  private volatile boolean closed;

  private record Pending(byte[] frame, Promise<Void> promise, Context context) {}

  private static final Pending STOP = new Pending(new byte[0], null, null);

  private AuditFile(FileOps fs, Path dir) {
    this.fs = fs;
    this.dir = dir;
    this.path = dir.resolve(FILE);
    this.writer = new Thread(this::runWriter, "healthwatch-audit-writer");
    this.writer.setDaemon(true);
  }

  /** Opens (blocking) the audit file of a data directory whose lock the caller holds. */
  public static AuditFile open(DiskStoreOptions options) throws IOException {
    Path dir = options.getDataDir().toAbsolutePath().normalize();
    StorageListener listener = options.getStoreOptions().getStorageListener();
    AuditFile audit = new AuditFile(CountingFileOps.wrap(options.getFileOps(), listener), dir);
    if (audit.fs.exists(audit.path)) {
      audit.handle = audit.fs.open(audit.path, false);
      byte[] data = Frames.readAll(audit.handle);
      Frames.Scan scan = Frames.scan(data, 0, null);
      if (!scan.clean()) {
        new FileSafety(audit.fs, dir, options.getRenameAttempts(), options.getRenameBackoffMs(), audit.problems::add,
            listener)
            .repair(audit.path, audit.handle, data, scan, true, "audit log");
      }
      audit.durable = scan.end();
    }
    audit.writer.start();
    return audit;
  }

  /** Appends a record; the Future completes (on the caller's context) once it is fsync'd. */
  public Future<Void> append(Context context, AuditRecord record) {
    if (closed) {
      return Future.failedFuture(StorageException.unavailable("the store is closed", null));
    }
    byte[] frame;
    try {
      frame = Frames.encode(Json.MAPPER.writeValueAsBytes(record));
    } catch (IOException e) {
      return Future.failedFuture(e);
    }
    Pending p = new Pending(frame, Promise.promise(), context);
    queue.add(p);
    return p.promise().future();
  }

  private void runWriter() {
    List<Pending> group = new ArrayList<>();
    while (true) {
      try {
        group.add(queue.take());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      queue.drainTo(group, MAX_GROUP - 1);
      boolean stop = group.remove(STOP);
      if (!group.isEmpty()) {
        Throwable failure = write(group);
        for (Pending p : group) {
          p.context().runOnContext(v -> {
            if (failure == null) {
              p.promise().complete();
            } else {
              p.promise().fail(failure);
            }
          });
        }
      }
      group.clear();
      if (stop) {
        failLeftovers();
        return;
      }
    }
  }

  private Throwable write(List<Pending> group) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    group.forEach(p -> out.writeBytes(p.frame()));
    synchronized (fileLock) {
      boolean created = false;
      try {
        if (handle == null) {
          created = !fs.exists(path);
          handle = fs.open(path, true);
        }
        handle.write(ByteBuffer.wrap(out.toByteArray()), durable);
        handle.force();
        if (created) {
          fs.fsyncDirectory(dir);
        }
        durable += out.size();
        return null;
      } catch (IOException | RuntimeException e) {
        // Never trust a retried fsync: cut back to what is durable and reopen before the next write.
        try {
          if (handle != null) {
            handle.truncate(durable);
            handle.close();
          }
        } catch (IOException ignored) {
          // the scan at the next start cuts a torn tail
        }
        handle = null;
        String message = "writing the audit log in " + dir + " failed: " + FileSafety.describe(e);
        LOG.log(System.Logger.Level.WARNING, message);
        return StorageException.unavailable(message, e);
      }
    }
  }

  private void failLeftovers() {
    List<Pending> left = new ArrayList<>();
    queue.drainTo(left);
    for (Pending p : left) {
      if (p != STOP) {
        p.context().runOnContext(v -> p.promise().fail(StorageException.unavailable("the store is closed", null)));
      }
    }
  }

  /**
   * Records with {@code from <= time < to}, newest first (the last appended first at equal times),
   * at most {@code limit}. Blocking: reads the file frame by frame, keeping at most {@code limit}
   * records in memory.
   */
  public List<AuditRecord> read(long from, long to, int limit) throws IOException {
    Deque<AuditRecord> newest = new ArrayDeque<>(Math.min(limit, 1_024));
    synchronized (fileLock) {
      long end = durable;
      if (handle == null || end == 0) {
        return List.of();
      }
      long pos = 0;
      while (pos < end) {
        byte[] payload = Frames.readAt(handle, pos);
        if (payload == null) {
          problems.add("audit log " + FILE + ": the record at offset " + pos
              + " failed its checksum when read; the records after it are missing from answers");
          break;
        }
        pos += Frames.HEADER + payload.length;
        AuditRecord r = parse(payload);
        if (r != null && r.time() >= from && r.time() < to) {
          newest.addLast(r);
          if (newest.size() > limit) {
            newest.removeFirst();
          }
        }
      }
    }
    List<AuditRecord> out = new ArrayList<>(newest.size());
    for (Iterator<AuditRecord> it = newest.descendingIterator(); it.hasNext(); ) {
      out.add(it.next());
    }
    out.sort(Comparator.comparingLong(AuditRecord::time).reversed());
    return out;
  }

  private static AuditRecord parse(byte[] payload) {
    try {
      AuditRecord r = Json.MAPPER.readValue(payload, AuditRecord.class);
      return r.action() == null ? null : r; // a filler record of a repaired file
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** What an operator must know: damage found at open or when read. */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  public long size() {
    return durable;
  }

  /** Lets every queued record be written, then stops the writer and closes the file. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.add(STOP);
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (fileLock) {
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
}
