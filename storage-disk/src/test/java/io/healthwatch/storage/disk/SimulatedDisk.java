package io.healthwatch.storage.disk;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * A {@link FileOps} in memory that behaves like a disk losing power: writes land in a volatile
 * layer that only {@link FileOps.Handle#force} makes durable, and creations, renames and deletions
 * only {@link #fsyncDirectory} makes durable. {@link #crashImage} gives what a restart would find:
 * the durable layer, optionally with a prefix of the unsynced writes, the last of them torn.
 *
 * <p>It can also freeze after a given number of mutating operations (every later call throws
 * {@link Crash}, like a dead process), and inject faults: failing fsyncs, writes, refused renames, a
 * read-only directory.
 */
final class SimulatedDisk implements FileOps {
  /** Thrown once the simulated process has died; an Error so the engine cannot catch it. */
  static final class Crash extends Error {
    Crash() {
      super("simulated crash", null, false, false);
    }
  }

  private static final class Inode {
    byte[] durable = new byte[0];
    byte[] live = new byte[0];
    /** Unsynced operations in order: {pos, data} writes or {-1 - size} truncations. */
    final List<Object[]> pending = new ArrayList<>();

    Inode copy() {
      Inode i = new Inode();
      i.durable = durable.clone();
      i.live = live.clone();
      pending.forEach(p -> i.pending.add(p.clone()));
      return i;
    }
  }

  private final Map<Path, Inode> liveDir = new HashMap<>();
  private final Map<Path, Inode> durableDir = new HashMap<>();
  private long mutations;
  private long crashAfter = Long.MAX_VALUE;
  private boolean frozen;
  volatile IOException forceFault;
  volatile IOException writeFault;
  volatile IOException moveFault;
  volatile boolean readOnly;
  volatile int moveAttempts;
  volatile int forces;
  /** Runs at the start of every file fsync, outside the disk's lock; tests use it to hold an fsync. */
  volatile Runnable beforeForce = () -> { };

  /** The number of mutating operations so far. */
  synchronized long mutations() {
    return mutations;
  }

  /** Freezes right after the {@code n}-th mutating operation from now. */
  synchronized void crashAfter(long n) {
    crashAfter = mutations + n;
  }

  synchronized boolean frozen() {
    return frozen;
  }

  private void check() {
    if (frozen) {
      throw new Crash();
    }
  }

  private void mutated() {
    mutations++;
    if (mutations >= crashAfter) {
      frozen = true;
      throw new Crash();
    }
  }

  private void writable(Path p) throws IOException {
    if (readOnly) {
      throw new FileSystemException(p.toString(), null, "Read-only file system");
    }
  }

  /**
   * What a restart after a power cut finds now. With {@code rnd}, each file keeps a random prefix of
   * its unsynced operations, the last kept write possibly torn.
   */
  synchronized SimulatedDisk crashImage(Random rnd) {
    SimulatedDisk image = new SimulatedDisk();
    Map<Inode, Inode> copies = new HashMap<>();
    for (Map.Entry<Path, Inode> e : durableDir.entrySet()) {
      Inode copy = copies.computeIfAbsent(e.getValue(), i -> afterPowerLoss(i, rnd));
      image.liveDir.put(e.getKey(), copy);
      image.durableDir.put(e.getKey(), copy);
    }
    return image;
  }

  private static Inode afterPowerLoss(Inode i, Random rnd) {
    Inode out = new Inode();
    byte[] data = i.durable.clone();
    if (rnd != null && !i.pending.isEmpty()) {
      int keep = rnd.nextInt(i.pending.size() + 1);
      for (int k = 0; k < keep; k++) {
        Object[] op = i.pending.get(k);
        long pos = (long) op[0];
        if (pos < 0) {
          data = Arrays.copyOf(data, (int) (-1 - pos));
          continue;
        }
        byte[] w = (byte[]) op[1];
        int len = k == keep - 1 && rnd.nextBoolean() ? rnd.nextInt(w.length + 1) : w.length;
        data = put(data, (int) pos, w, len);
      }
    }
    out.durable = data;
    out.live = data.clone();
    return out;
  }

  private static byte[] put(byte[] data, int pos, byte[] w, int len) {
    byte[] out = data.length < pos + len ? Arrays.copyOf(data, pos + len) : data;
    System.arraycopy(w, 0, out, pos, len);
    return out;
  }

  /** An exact copy, unsynced layer included (no crash). */
  synchronized SimulatedDisk copy() {
    SimulatedDisk c = new SimulatedDisk();
    Map<Inode, Inode> copies = new HashMap<>();
    liveDir.forEach((p, i) -> c.liveDir.put(p, copies.computeIfAbsent(i, Inode::copy)));
    durableDir.forEach((p, i) -> c.durableDir.put(p, copies.computeIfAbsent(i, Inode::copy)));
    return c;
  }

  /** The live content of a file, for tests that damage files. */
  synchronized byte[] content(Path p) {
    return liveDir.get(p).live.clone();
  }

  /** Replaces a file's content durably, for tests that damage files. */
  synchronized void setContent(Path p, byte[] data) {
    Inode i = liveDir.computeIfAbsent(p, k -> new Inode());
    durableDir.put(p, i);
    i.live = data.clone();
    i.durable = data.clone();
    i.pending.clear();
  }

  synchronized List<String> names() {
    return liveDir.keySet().stream().map(p -> p.getFileName().toString()).sorted().toList();
  }

  @Override
  public synchronized Handle open(Path file, boolean create) throws IOException {
    check();
    Inode i = liveDir.get(file);
    if (i == null) {
      if (!create) {
        throw new NoSuchFileException(file.toString());
      }
      writable(file);
      i = new Inode();
      liveDir.put(file, i);
      mutated();
    }
    return new SimHandle(file, i);
  }

  @Override
  public synchronized Handle openRead(Path file) throws IOException {
    check();
    Inode i = liveDir.get(file);
    if (i == null) {
      throw new NoSuchFileException(file.toString());
    }
    return new SimHandle(file, i);
  }

  @Override
  public synchronized void move(Path source, Path target) throws IOException {
    check();
    writable(target);
    moveAttempts++;
    if (moveFault != null) {
      throw moveFault;
    }
    Inode i = liveDir.remove(source);
    if (i == null) {
      throw new NoSuchFileException(source.toString());
    }
    liveDir.put(target, i);
    mutated();
  }

  @Override
  public synchronized void fsyncDirectory(Path dir) throws IOException {
    check();
    if (forceFault != null) {
      throw forceFault;
    }
    durableDir.clear();
    durableDir.putAll(liveDir);
    mutated();
  }

  @Override
  public synchronized void delete(Path file) throws IOException {
    check();
    if (liveDir.containsKey(file)) {
      writable(file);
      liveDir.remove(file);
      mutated();
    }
  }

  @Override
  public synchronized List<Path> list(Path dir) {
    check();
    return liveDir.keySet().stream().filter(p -> dir.equals(p.getParent())).toList();
  }

  @Override
  public synchronized boolean exists(Path file) {
    check();
    return liveDir.containsKey(file);
  }

  @Override
  public void createDirectories(Path dir) {
    check();
  }

  @Override
  public Optional<Closeable> tryLock(Path lockFile) {
    check();
    return Optional.of(() -> { });
  }

  private final class SimHandle implements Handle {
    private final Path path;
    private final Inode inode;

    SimHandle(Path path, Inode inode) {
      this.path = path;
      this.inode = inode;
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      synchronized (SimulatedDisk.this) {
        check();
        if (position >= inode.live.length) {
          return -1;
        }
        int n = (int) Math.min(dst.remaining(), inode.live.length - position);
        dst.put(inode.live, (int) position, n);
        return n;
      }
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
      synchronized (SimulatedDisk.this) {
        check();
        writable(path);
        if (writeFault != null) {
          throw writeFault;
        }
        byte[] w = new byte[src.remaining()];
        src.get(w);
        inode.live = put(inode.live, (int) position, w, w.length);
        inode.pending.add(new Object[] {position, w});
        mutated();
      }
    }

    @Override
    public long size() {
      synchronized (SimulatedDisk.this) {
        check();
        return inode.live.length;
      }
    }

    @Override
    public void truncate(long size) throws IOException {
      synchronized (SimulatedDisk.this) {
        check();
        writable(path);
        if (size < inode.live.length) {
          inode.live = Arrays.copyOf(inode.live, (int) size);
          inode.pending.add(new Object[] {-1 - size, null});
          mutated();
        }
      }
    }

    @Override
    public void force() throws IOException {
      beforeForce.run();
      synchronized (SimulatedDisk.this) {
        forces++;
        check();
        if (forceFault != null) {
          throw forceFault;
        }
        inode.durable = inode.live.clone();
        inode.pending.clear();
        mutated();
      }
    }

    @Override
    public void close() {
      // nothing to release
    }
  }
}
