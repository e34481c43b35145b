package io.healthwatch.storage.disk;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link DiskStore#verify} found in a data directory: one check per file (segment, index,
 * snapshot, outage archive, leftovers). The store is sound when no check is {@link Status#DAMAGED}.
 */
public record VerifyReport(Path dataDir, List<Check> checks) {

  public enum Status {
    /** Whole, every checksum matches, consistent with the rest. */
    OK,
    /** Harmless and handled at the next start (a torn tail, a missing index, a leftover file). */
    NOTE,
    /** A checksum that does not match, a file cut short or unreadable, a gap in the log. */
    DAMAGED
  }

  public record Check(String file, Status status, String detail) {}

  public VerifyReport {
    checks = List.copyOf(checks);
  }

  public boolean sound() {
    return checks.stream().noneMatch(c -> c.status() == Status.DAMAGED);
  }

  public long count(Status status) {
    return checks.stream().filter(c -> c.status() == status).count();
  }

  /** Told after each file: bytes checked so far of the total. */
  @FunctionalInterface
  public interface Progress {
    void advanced(long bytesDone, long bytesTotal);
  }
}
