package io.healthwatch.server.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The backup archive: a gzip stream of lines {@code <crc32c, 8 hex digits> <JSON record>}. The
 * first record is a header, then custom values, watches, outages, and each channel's state
 * followed by its samples (10,000 a record); the last is the trailer, with the count of records,
 * the count and order-independent checksum of each section, and the SHA-256 of every byte before
 * it. A reader checks all of it before anything is written anywhere.
 */
final class BackupArchive {
  static final String FORMAT = "healthwatch-backup";
  static final int VERSION = 1;

  private BackupArchive() {}

  /** One line of the archive; which fields are set depends on {@code type}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Entry(String type, String format, Integer version, Long createdAt, String source,
      Map<String, String> custom, WatchSession watch, Outage outage, ChannelState channel, String channelId,
      List<Sample> samples, Long records, Map<String, Long> counts, String contentDigest, String sha256) {

    static Entry of(String type) {
      return new Entry(type, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }
  }

  /** What the trailer of a sound archive says. */
  record Summary(long records, Map<String, Long> counts, String contentDigest, long createdAt, String source) {}

  static final class Damaged extends Exception {
    Damaged(String message) {
      super(message);
    }
  }

  /**
   * Writes an archive to a temp file beside the target, moved into place (atomically, after an
   * fsync) only when the trailer is written: a failed backup never leaves a half archive under the
   * target's name.
   */
  static final class Writer implements Closeable, StoreCopy.Sink {
    private final Path target;
    private final Path temp;
    private final OutputStream out;
    private final MessageDigest sha = sha256();
    private final StoreCopy.Digest digest = new StoreCopy.Digest();
    private long records;
    private boolean finished;

    Writer(Path target, String source, long createdAt) throws IOException {
      this.target = target.toAbsolutePath();
      this.temp = this.target.resolveSibling(this.target.getFileName() + ".partial-" + UUID.randomUUID());
      this.out = new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(temp, StandardOpenOption.CREATE_NEW)),
          1 << 16);
      write(new Entry("header", FORMAT, VERSION, createdAt, source, null, null, null, null, null, null, null, null,
          null, null));
    }

    private void write(Entry e) {
      try {
        byte[] line = line(e);
        sha.update(line);
        out.write(line);
        records++;
      } catch (IOException ex) {
        throw CommandFailure.failed("cannot write " + target + ": " + ex.getMessage());
      }
    }

    @Override
    public void custom(Map<String, String> values) {
      digest.custom(values);
      values.forEach((k, v) -> write(new Entry("custom", null, null, null, null, Map.of(k, v), null, null, null,
          null, null, null, null, null, null)));
    }

    @Override
    public void watches(List<WatchSession> watches) {
      digest.watches(watches);
      watches.forEach(w -> write(new Entry("watch", null, null, null, null, null, w, null, null, null, null, null,
          null, null, null)));
    }

    @Override
    public void outages(List<Outage> outages) {
      digest.outages(outages);
      outages.forEach(o -> write(new Entry("outage", null, null, null, null, null, null, o, null, null, null, null,
          null, null, null)));
    }

    @Override
    public void channel(ChannelState state) {
      digest.channel(state);
      write(new Entry("channel", null, null, null, null, null, null, null, state, null, null, null, null, null, null));
    }

    @Override
    public long samples(String channelId, List<Sample> samples) {
      digest.samples(channelId, samples);
      write(new Entry("samples", null, null, null, null, null, null, null, null, channelId, samples, null, null, null,
          null));
      return samples.size();
    }

    StoreCopy.Digest digest() {
      return digest;
    }

    /** Writes the trailer, makes the archive durable and moves it into place. */
    void finish() throws IOException {
      Entry end = new Entry("end", null, null, null, null, null, null, null, null, null, null, records + 1,
          digest.counts(), digest.value(), HexFormat.of().formatHex(sha.digest()));
      out.write(line(end));
      out.close();
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      finished = true;
    }

    @Override
    public void close() throws IOException {
      if (!finished) {
        out.close();
        Files.deleteIfExists(temp);
      }
    }
  }

  private static byte[] line(Entry e) throws IOException {
    byte[] json = Json.STORAGE.writeValueAsBytes(e);
    CRC32C crc = new CRC32C();
    crc.update(json);
    byte[] line = new byte[json.length + 10];
    System.arraycopy(String.format("%08x ", crc.getValue()).getBytes(StandardCharsets.US_ASCII), 0, line, 0, 9);
    System.arraycopy(json, 0, line, 9, json.length);
    line[line.length - 1] = '\n';
    return line;
  }

  /** Receives the records of an archive in order (the header and trailer left out). */
  interface Visitor {
    void entry(Entry e) throws IOException;
  }

  /**
   * Reads every line, checking each record's checksum, the trailer's record count and SHA-256;
   * hands each record to the visitor (which may be null: a check only).
   */
  static Summary read(Path file, Visitor visitor) throws IOException, Damaged {
    MessageDigest sha = sha256();
    long n = 0;
    Entry header = null;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        new GZIPInputStream(Files.newInputStream(file), 1 << 16), StandardCharsets.UTF_8), 1 << 16)) {
      String text;
      while ((text = in.readLine()) != null) {
        n++;
        Entry e = parse(text, n);
        if (n == 1) {
          if (!"header".equals(e.type()) || !FORMAT.equals(e.format())) {
            throw new Damaged("is not a Health Watch backup (no header)");
          }
          if (e.version() == null || e.version() != VERSION) {
            throw new Damaged("has format version " + e.version() + "; this build reads version " + VERSION);
          }
          header = e;
        } else if ("end".equals(e.type())) {
          String actual = HexFormat.of().formatHex(sha.digest());
          if (!actual.equals(e.sha256())) {
            throw new Damaged("fails its whole-file SHA-256 check (records reordered, removed or added)");
          }
          if (e.records() == null || e.records() != n) {
            throw new Damaged("trailer counts " + e.records() + " records but the archive holds " + n);
          }
          if (in.readLine() != null) {
            throw new Damaged("has content after its trailer (line " + (n + 1) + ")");
          }
          return new Summary(n, e.counts(), e.contentDigest(), header.createdAt(), header.source());
        } else if (visitor != null) {
          visitor.entry(e);
        }
        sha.update((text + "\n").getBytes(StandardCharsets.UTF_8));
      }
    } catch (EOFException e) {
      throw new Damaged("is cut short after line " + n + " (" + e.getMessage() + ")");
    } catch (java.util.zip.ZipException e) {
      throw new Damaged("is not a readable gzip stream after line " + n + " (" + e.getMessage() + ")");
    }
    throw new Damaged(n == 0 ? "is empty" : "ends after line " + n + " without its trailer: the archive is incomplete");
  }

  private static Entry parse(String text, long n) throws Damaged {
    if (text.length() < 10 || text.charAt(8) != ' ') {
      throw new Damaged("line " + n + " is not a checksummed record");
    }
    byte[] json = text.substring(9).getBytes(StandardCharsets.UTF_8);
    CRC32C crc = new CRC32C();
    crc.update(json);
    long expected;
    try {
      expected = Long.parseLong(text.substring(0, 8), 16);
    } catch (NumberFormatException e) {
      throw new Damaged("line " + n + " has no checksum");
    }
    if (crc.getValue() != expected) {
      throw new Damaged("line " + n + " fails its checksum");
    }
    try {
      return Json.MAPPER.readValue(json, Entry.class);
    } catch (IOException e) {
      throw new Damaged("line " + n + " matches its checksum but cannot be read: " + e.getMessage());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
