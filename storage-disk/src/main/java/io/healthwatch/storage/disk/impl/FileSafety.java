package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.storage.StorageListener;
import io.healthwatch.core.storage.StorageOperation;
import io.healthwatch.storage.disk.FileOps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The file disciplines of the engine in one directory: the crash-safe replace, keeping damaged
 * files aside, and repairing a framed file after a scan. Problems an operator must know about go to
 * the given sink.
 */
final class FileSafety {
  static final String TEMP_MARK = ".tmp-";
  private static final System.Logger LOG = System.getLogger(FileSafety.class.getName());
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

  private final FileOps fs;
  private final Path dir;
  private final int renameAttempts;
  private final long renameBackoffMs;
  private final Consumer<String> problems;
  private final StorageListener listener;

  FileSafety(FileOps fs, Path dir, int renameAttempts, long renameBackoffMs, Consumer<String> problems,
      StorageListener listener) {
    this.fs = fs;
    this.dir = dir;
    this.renameAttempts = renameAttempts;
    this.renameBackoffMs = renameBackoffMs;
    this.problems = problems;
    this.listener = listener;
  }

  /**
   * The crash-safe replace: a unique temp file in the same directory, written and fsync'd, renamed
   * atomically over the target (retried with backoff while refused, never copied), then the
   * directory fsync'd.
   */
  void replace(Path target, byte[] content) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + TEMP_MARK + UUID.randomUUID());
    try {
      try (FileOps.Handle h = fs.open(tmp, true)) {
        h.write(ByteBuffer.wrap(content), 0);
        h.force();
      }
      moveWithRetry(tmp, target);
    } catch (IOException e) {
      try {
        fs.delete(tmp);
      } catch (IOException ignored) {
        // removed at the next start
      }
      throw e;
    }
    fs.fsyncDirectory(dir);
  }

  /** The rename with its retries, reported as one {@code RENAME} and a {@code RENAME_RETRY} per retry. */
  private void moveWithRetry(Path from, Path to) throws IOException {
    long start = System.nanoTime();
    boolean ok = false;
    try {
      tryMoves(from, to);
      ok = true;
    } finally {
      listener.recordOperation(StorageOperation.RENAME, ok, System.nanoTime() - start);
    }
  }

  private void tryMoves(Path from, Path to) throws IOException {
    long backoff = renameBackoffMs;
    for (int attempt = 1; ; attempt++) {
      long attemptStart = System.nanoTime();
      try {
        fs.move(from, to);
        return;
      } catch (NoSuchFileException e) {
        throw e;
      } catch (FileSystemException e) {
        if (attempt < renameAttempts) {
          listener.recordOperation(StorageOperation.RENAME_RETRY, false, System.nanoTime() - attemptStart);
        } else {
          throw new IOException("renaming " + from.getFileName() + " to " + to.getFileName() + " was refused "
              + attempt + " times (another process, such as a virus scanner or indexer, may hold the file): "
              + describe(e), e);
        }
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while retrying a refused rename", ie);
        }
        backoff = Math.min(backoff * 2, 1_000);
      }
    }
  }

  /** Renames an unreadable file to {@code *.corrupt-<time>}; the new name, or why it could not be moved. */
  String moveAside(Path path) {
    String aside = path.getFileName() + ".corrupt-" + STAMP.format(Instant.now());
    try {
      fs.move(path, path.resolveSibling(aside));
      fs.fsyncDirectory(dir);
      return aside;
    } catch (IOException e) {
      return "(could not be moved: " + describe(e) + ")";
    }
  }

  /**
   * Deals with what a scan found wrong: damage in the middle is kept aside (a copy of the file) and
   * overwritten by fillers so the valid records after it stay where they are; a torn tail of the
   * file being appended to is cut off silently (a crash during an append), anywhere else it is
   * damage too.
   */
  void repair(Path path, FileOps.Handle h, byte[] data, Frames.Scan scan, boolean appendedTo, String what)
      throws IOException {
    boolean silentTail = appendedTo && scan.damaged().isEmpty();
    if (!silentTail) {
      Path aside = copyAside(path, data);
      long lost = scan.size() - scan.end();
      for (int[] r : scan.damaged()) {
        lost += r[1] - r[0];
        h.write(ByteBuffer.wrap(Frames.filler(r[1] - r[0])), r[0]);
      }
      problems.accept(what + " " + path.getFileName() + ": " + lost + " damaged bytes"
          + " (the records in them are lost); the damaged file was kept as " + aside.getFileName());
    }
    if (scan.torn()) {
      LOG.log(System.Logger.Level.INFO, "cutting a torn tail of " + (scan.size() - scan.end()) + " bytes off " + path);
      h.truncate(scan.end());
    }
    h.force();
  }

  private Path copyAside(Path path, byte[] data) throws IOException {
    Path aside = path.resolveSibling(path.getFileName() + ".corrupt-" + STAMP.format(Instant.now()));
    try (FileOps.Handle h = fs.open(aside, true)) {
      h.truncate(0);
      h.write(ByteBuffer.wrap(data), 0);
      h.force();
    }
    fs.fsyncDirectory(dir);
    return aside;
  }

  static String describe(Throwable e) {
    if (e instanceof NoSuchFileException n) {
      return "no such file " + n.getFile();
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
