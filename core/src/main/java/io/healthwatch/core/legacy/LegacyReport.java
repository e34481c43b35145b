package io.healthwatch.core.legacy;

import java.util.List;

/**
 * What an import read from each legacy file: records found, records refused because a field
 * broke a rule (with the first few reasons), whether the file was damaged, and how many of its
 * bytes could not be read. Duplicates are counted by the store that takes the records.
 */
public record LegacyReport(List<FileReport> files) {

  public record FileReport(String file, long records, long invalid, boolean damaged, long unreadableBytes,
      List<String> problems) {}

  public long records() {
    return files.stream().mapToLong(FileReport::records).sum();
  }

  public long unreadableBytes() {
    return files.stream().mapToLong(FileReport::unreadableBytes).sum();
  }
}
