package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Sample;
import io.healthwatch.storage.disk.FileOps;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * A sealed log segment re-encoded compactly ({@code log-<position>.cseg}): the same records, so
 * queries and replay see exactly what the raw segment held, at a fraction of its size.
 *
 * <p>Samples are stored per channel in {@link BlockCodec} blocks. The other records (watches,
 * custom values, channel deletions, retention runs) are kept as their original JSON with their
 * log offsets. The order of samples relative to those records matters only for channel deletions
 * and retention runs (the marks), so each sample carries its <em>epoch</em>, the number of marks
 * before it in the segment; {@link #position} turns an epoch into a log position that compares
 * with every mark exactly as the sample's own position did.
 *
 * <p>File layout: {@code [magic:int][headerLength:int][headerCrc:int][header (deflated)][body]}.
 * The header holds the covered raw length, the mark offsets, the place of the records section,
 * and per channel its time range, sample count and the place of its block directory; the
 * directory lists each block's place, CRC32C, time range and count. Every part (header, records
 * section, directory, block) has its own CRC32C, checked whenever it is read.
 */
final class CompressedSegment {
  private static final int MAGIC = 0x48574331; // "HWC1"
  private static final int PRELUDE = 12;

  /** One valid record of the raw segment: its offset in the segment, the parsed entry and its JSON. */
  record Record(long offset, LogEntry entry, byte[] json, int at, int length) {}

  static final class Channel {
    long min;
    long max;
    long samples;
    long dirOffset;
    int dirLength;
    int dirCrc;
    int blocks;
  }

  /** A block of the directory of a channel. */
  record BlockRef(long offset, int length, int crc, long min, long max, int count) {}

  final long coveredSize;
  final long fileSize;
  private final long[] marks;
  private final long bodyStart;
  private final long recordsOffset;
  private final int recordsLength;
  private final int recordsCrc;
  final TreeMap<String, Channel> channels = new TreeMap<>();

  private CompressedSegment(long coveredSize, long fileSize, long[] marks, long bodyStart, long recordsOffset,
      int recordsLength, int recordsCrc) {
    this.coveredSize = coveredSize;
    this.fileSize = fileSize;
    this.marks = marks;
    this.bodyStart = bodyStart;
    this.recordsOffset = recordsOffset;
    this.recordsLength = recordsLength;
    this.recordsCrc = recordsCrc;
  }

  // ---------------------------------------------------------------------------------------------
  // Writing

  /** The compressed file of a raw segment of {@code coveredSize} bytes holding {@code records}. */
  static byte[] encode(long coveredSize, List<Record> records) {
    TreeMap<String, List<Sample>> samples = new TreeMap<>();
    TreeMap<String, List<Integer>> epochs = new TreeMap<>();
    BlockCodec.Out others = new BlockCodec.Out(256);
    List<Long> markOffsets = new ArrayList<>();
    int otherCount = 0;
    BlockCodec.Out otherBody = new BlockCodec.Out(256);
    for (Record r : records) {
      LogEntry e = r.entry();
      if (e.type() == null) {
        continue; // a filler over damage repaired earlier: no record
      }
      if (LogEntry.BATCH.equals(e.type())) {
        for (Sample s : e.samples()) {
          samples.computeIfAbsent(s.channelId(), k -> new ArrayList<>()).add(s);
          epochs.computeIfAbsent(s.channelId(), k -> new ArrayList<>()).add(markOffsets.size());
        }
        continue;
      }
      otherCount++;
      otherBody.varint(r.offset());
      otherBody.bytes(java.util.Arrays.copyOfRange(r.json(), r.at(), r.at() + r.length()));
      if (isMark(e)) {
        markOffsets.add(r.offset());
      }
    }
    others.varint(otherCount);
    byte[] recordsRaw = concat(others.toArray(), otherBody.toArray());
    byte[] recordsSection = BlockCodec.deflate(recordsRaw, recordsRaw.length);

    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(recordsSection);
    BlockCodec.Out header = new BlockCodec.Out(1024);
    header.varint(coveredSize);
    header.varint(markOffsets.size());
    markOffsets.forEach(header::varint);
    header.varint(0); // the records section opens the body
    header.varint(recordsSection.length);
    header.int32(crc(recordsSection, 0, recordsSection.length));
    header.varint(samples.size());
    for (Map.Entry<String, List<Sample>> e : samples.entrySet()) {
      List<Sample> list = e.getValue();
      int[] ep = epochs.get(e.getKey()).stream().mapToInt(Integer::intValue).toArray();
      BlockCodec.Out dir = new BlockCodec.Out(64);
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      int blocks = 0;
      for (int from = 0; from < list.size(); from += BlockCodec.MAX_SAMPLES) {
        int to = Math.min(list.size(), from + BlockCodec.MAX_SAMPLES);
        List<Sample> part = list.subList(from, to);
        byte[] block = BlockCodec.encode(part, java.util.Arrays.copyOfRange(ep, from, to));
        long bmin = part.stream().mapToLong(Sample::timestamp).min().orElseThrow();
        long bmax = part.stream().mapToLong(Sample::timestamp).max().orElseThrow();
        dir.varint(body.size());
        dir.varint(block.length);
        dir.int32(crc(block, 0, block.length));
        dir.zigzag(bmin);
        dir.zigzag(bmax);
        dir.varint(part.size());
        body.writeBytes(block);
        min = Math.min(min, bmin);
        max = Math.max(max, bmax);
        blocks++;
      }
      byte[] d = dir.toArray();
      header.string(e.getKey());
      header.zigzag(min);
      header.zigzag(max);
      header.varint(list.size());
      header.varint(body.size());
      header.varint(d.length);
      header.int32(crc(d, 0, d.length));
      header.varint(blocks);
      body.writeBytes(d);
    }
    byte[] h = BlockCodec.deflate(header.buf, header.len);
    ByteBuffer out = ByteBuffer.allocate(PRELUDE + h.length + body.size());
    out.putInt(MAGIC).putInt(h.length).putInt(crc(h, 0, h.length)).put(h).put(body.toByteArray());
    return out.array();
  }

  private static boolean isMark(LogEntry e) {
    return LogEntry.CHANNEL_DELETE.equals(e.type()) || LogEntry.RETENTION.equals(e.type());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static int crc(byte[] data, int offset, int length) {
    CRC32C c = new CRC32C();
    c.update(data, offset, length);
    return (int) c.getValue();
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /** Reads and checks the header; an IOException says why the file is not a valid one. */
  static CompressedSegment open(FileOps.Handle h) throws IOException {
    long size = h.size();
    ByteBuffer pre = ByteBuffer.allocate(PRELUDE);
    Frames.readFully(h, pre, 0);
    if (pre.hasRemaining() || pre.getInt(0) != MAGIC) {
      throw new IOException("not a compressed segment (bad magic or too short)");
    }
    int len = pre.getInt(4);
    if (len < 1 || len > size - PRELUDE) {
      throw new IOException("bad header length " + len);
    }
    byte[] compressed = read(h, PRELUDE, len);
    if (compressed == null || crc(compressed, 0, len) != pre.getInt(8)) {
      throw new IOException("the header failed its checksum");
    }
    long bodyStart = PRELUDE + (long) len;
    BlockCodec.In in = new BlockCodec.In(BlockCodec.inflate(compressed, 0, len));
    try {
      long covered = in.varint();
      long[] marks = new long[in.count(Integer.MAX_VALUE)];
      for (int i = 0; i < marks.length; i++) {
        marks[i] = in.varint();
      }
      CompressedSegment c = new CompressedSegment(covered, size, marks, bodyStart, bodyStart + in.varint(),
          in.count(Integer.MAX_VALUE), in.int32());
      int channels = in.count(Integer.MAX_VALUE);
      for (int i = 0; i < channels; i++) {
        String name = in.string();
        Channel ch = new Channel();
        ch.min = in.zigzag();
        ch.max = in.zigzag();
        ch.samples = in.varint();
        ch.dirOffset = bodyStart + in.varint();
        ch.dirLength = in.count(Integer.MAX_VALUE);
        ch.dirCrc = in.int32();
        ch.blocks = in.count(Integer.MAX_VALUE);
        c.channels.put(name, ch);
      }
      return c;
    } catch (ArrayIndexOutOfBoundsException e) {
      throw new IOException("malformed header", e);
    }
  }

  /** The figures the engine keeps for every segment, from the header. */
  SegmentIndex index() {
    SegmentIndex index = new SegmentIndex();
    index.coveredSize = coveredSize;
    channels.forEach((name, c) -> index.addSummary(name, c.min, c.max, c.samples));
    return index;
  }

  /**
   * A log position for a sample of {@code epoch} in the segment at {@code base}: it lies after the
   * mark before the sample and before the mark after it, so it compares with every mark as the
   * sample's real position does.
   */
  long position(long base, int epoch) {
    return epoch == 0 ? base : base + marks[epoch - 1] + 1;
  }

  /** Receives decoded samples with their epoch. */
  interface SampleSink {
    void accept(Sample sample, int epoch);
  }

  /**
   * The samples of {@code channelId} with {@code from <= timestamp < to}, reading only the blocks
   * whose range overlaps. A damaged block or directory is skipped and reported to {@code damage}.
   */
  void read(FileOps.Handle h, String channelId, long from, long to, SampleSink sink, Consumer<String> damage)
      throws IOException {
    Channel c = channels.get(channelId);
    if (c == null || c.max < from || c.min >= to || from >= to) {
      return;
    }
    scan(h, channelId, from, to - 1, sink, damage);
  }

  /** The samples of {@code channelId} with {@code from <= timestamp <= last}. */
  private void scan(FileOps.Handle h, String channelId, long from, long last, SampleSink sink,
      Consumer<String> damage) throws IOException {
    List<BlockRef> dir = directory(h, channelId, damage);
    if (dir == null) {
      return;
    }
    for (BlockRef b : dir) {
      if (b.max() < from || b.min() > last) {
        continue;
      }
      BlockCodec.Block block = block(h, channelId, b, damage);
      if (block == null) {
        continue;
      }
      for (int i = 0; i < block.samples().size(); i++) {
        Sample s = block.samples().get(i);
        if (s.timestamp() >= from && s.timestamp() <= last) {
          sink.accept(s, block.epochs()[i]);
        }
      }
    }
  }

  private List<BlockRef> directory(FileOps.Handle h, String channelId, Consumer<String> damage) throws IOException {
    Channel c = channels.get(channelId);
    byte[] d = read(h, c.dirOffset, c.dirLength);
    if (d == null || crc(d, 0, d.length) != c.dirCrc) {
      damage.accept("the block directory of channel " + channelId + " failed its checksum; its "
          + c.samples + " samples in this segment are missing from answers");
      return null;
    }
    BlockCodec.In in = new BlockCodec.In(d);
    List<BlockRef> out = new ArrayList<>(c.blocks);
    try {
      for (int i = 0; i < c.blocks; i++) {
        out.add(new BlockRef(bodyStart + in.varint(), in.count(Integer.MAX_VALUE), in.int32(), in.zigzag(),
            in.zigzag(), in.count(BlockCodec.MAX_SAMPLES)));
      }
      return out;
    } catch (IOException | ArrayIndexOutOfBoundsException e) {
      damage.accept("the block directory of channel " + channelId + " cannot be read: " + FileSafety.describe(e));
      return null;
    }
  }

  private BlockCodec.Block block(FileOps.Handle h, String channelId, BlockRef b, Consumer<String> damage)
      throws IOException {
    byte[] data = read(h, b.offset(), b.length());
    if (data == null || crc(data, 0, data.length) != b.crc()) {
      damage.accept("a block of channel " + channelId + " failed its checksum; its " + b.count()
          + " samples are missing from answers");
      return null;
    }
    try {
      BlockCodec.Block block = BlockCodec.decode(channelId, data);
      if (block.samples().size() != b.count()) {
        throw new IOException("it holds " + block.samples().size() + " samples, not " + b.count());
      }
      return block;
    } catch (IOException e) {
      damage.accept("a block of channel " + channelId + " cannot be read (" + FileSafety.describe(e)
          + "); its " + b.count() + " samples are missing from answers");
      return null;
    }
  }

  /** Receives the records of the segment in an order that replays to the same state. */
  interface ReplayVisitor {
    void samples(List<Sample> batch, long position);

    void record(long offset, byte[] json);
  }

  /**
   * Replays the whole segment: the records other than samples in log order, and before each mark
   * (and at the end) the samples of the epoch it closes, in log order per channel.
   */
  void replay(FileOps.Handle h, long base, ReplayVisitor visitor, Consumer<String> damage) throws IOException {
    List<List<Sample>> byEpoch = new ArrayList<>();
    for (int i = 0; i <= marks.length; i++) {
      byEpoch.add(new ArrayList<>());
    }
    for (String channelId : channels.keySet()) {
      scan(h, channelId, Long.MIN_VALUE, Long.MAX_VALUE, (s, epoch) -> {
        if (epoch < byEpoch.size()) {
          byEpoch.get(epoch).add(s);
        }
      }, damage);
    }
    List<long[]> offsets = new ArrayList<>();
    List<byte[]> jsons = new ArrayList<>();
    if (!records(h, offsets, jsons, damage)) {
      offsets.clear();
      jsons.clear();
    }
    int epoch = 0;
    for (int i = 0; i < offsets.size(); i++) {
      long offset = offsets.get(i)[0];
      if (epoch < marks.length && offset == marks[epoch]) {
        flush(visitor, byEpoch.get(epoch), position(base, epoch));
        epoch++;
      }
      visitor.record(offset, jsons.get(i));
    }
    for (; epoch <= marks.length; epoch++) {
      flush(visitor, byEpoch.get(epoch), position(base, epoch));
    }
  }

  private static void flush(ReplayVisitor visitor, List<Sample> samples, long position) {
    if (!samples.isEmpty()) {
      visitor.samples(samples, position);
    }
  }

  private boolean records(FileOps.Handle h, List<long[]> offsets, List<byte[]> jsons, Consumer<String> damage)
      throws IOException {
    byte[] data = read(h, recordsOffset, recordsLength);
    if (data == null || crc(data, 0, data.length) != recordsCrc) {
      damage.accept("the records section (watches, custom values, deletions, retention runs) failed its checksum;"
          + " those records are lost");
      return false;
    }
    try {
      BlockCodec.In in = new BlockCodec.In(BlockCodec.inflate(data, 0, data.length));
      int n = in.count(Integer.MAX_VALUE);
      for (int i = 0; i < n; i++) {
        offsets.add(new long[] {in.varint()});
        jsons.add(in.bytes());
      }
      return true;
    } catch (IOException | ArrayIndexOutOfBoundsException e) {
      damage.accept("the records section cannot be read (" + FileSafety.describe(e) + "); those records are lost");
      return false;
    }
  }

  /**
   * Reads and checks every part of the file and returns what it holds as records in replay order;
   * an IOException at the first damage. Used before the raw segment is given up.
   */
  List<Record> readAll(FileOps.Handle h) throws IOException {
    List<String> damage = new ArrayList<>();
    List<Record> out = new ArrayList<>();
    replay(h, 0, new ReplayVisitor() {
      @Override
      public void samples(List<Sample> batch, long position) {
        out.add(new Record(position, LogEntry.batch(List.copyOf(batch)), null, 0, 0));
      }

      @Override
      public void record(long offset, byte[] json) {
        try {
          out.add(new Record(offset, Json.MAPPER.readValue(json, LogEntry.class), json, 0, json.length));
        } catch (IOException e) {
          damage.add("record at " + offset + ": " + FileSafety.describe(e));
        }
      }
    }, damage::add);
    if (!damage.isEmpty()) {
      throw new IOException(damage.get(0));
    }
    return out;
  }

  /**
   * The records of a raw segment in the order {@link #replay} gives them back: per epoch the samples
   * by channel, each channel in log order, then the mark closing the epoch; other records in log
   * order. Comparing it with {@link #readAll} proves a compressed file holds what the raw one did.
   */
  static List<Record> replayOrder(List<Record> records) {
    List<Record> out = new ArrayList<>();
    TreeMap<String, List<Sample>> epoch = new TreeMap<>();
    for (Record r : records) {
      LogEntry e = r.entry();
      if (e.type() == null) {
        continue;
      }
      if (LogEntry.BATCH.equals(e.type())) {
        e.samples().forEach(s -> epoch.computeIfAbsent(s.channelId(), k -> new ArrayList<>()).add(s));
        continue;
      }
      if (isMark(e)) {
        flushEpoch(out, epoch);
      }
      out.add(new Record(r.offset(), e, java.util.Arrays.copyOfRange(r.json(), r.at(), r.at() + r.length()), 0,
          r.length()));
    }
    flushEpoch(out, epoch);
    return out;
  }

  private static void flushEpoch(List<Record> out, TreeMap<String, List<Sample>> epoch) {
    List<Sample> all = new ArrayList<>();
    epoch.values().forEach(all::addAll);
    epoch.clear();
    if (!all.isEmpty()) {
      out.add(new Record(-1, LogEntry.batch(all), null, 0, 0));
    }
  }

  /** Whether two lists from {@link #replayOrder} and {@link #readAll} hold the same records. */
  static boolean sameRecords(List<Record> a, List<Record> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Record x = a.get(i);
      Record y = b.get(i);
      boolean batch = LogEntry.BATCH.equals(x.entry().type());
      if (batch != LogEntry.BATCH.equals(y.entry().type())) {
        return false;
      }
      if (batch ? !x.entry().samples().equals(y.entry().samples())
          : x.offset() != y.offset() || !java.util.Arrays.equals(x.json(), y.json())) {
        return false;
      }
    }
    return true;
  }

  /** {@code length} bytes at {@code pos}; null if the file ends first. */
  private static byte[] read(FileOps.Handle h, long pos, int length) throws IOException {
    if (length < 0 || length > BlockCodec.MAX_INFLATED) {
      return null;
    }
    byte[] data = new byte[length];
    ByteBuffer b = ByteBuffer.wrap(data);
    Frames.readFully(h, b, pos);
    return b.hasRemaining() ? null : data;
  }

  /** The file as an in-memory handle, to check it before it is written. */
  static FileOps.Handle inMemory(byte[] content) {
    return new FileOps.Handle() {
      @Override
      public int read(ByteBuffer dst, long position) {
        if (position >= content.length) {
          return -1;
        }
        int n = (int) Math.min(dst.remaining(), content.length - position);
        dst.put(content, (int) position, n);
        return n;
      }

      @Override
      public void write(ByteBuffer src, long position) {
        throw new UnsupportedOperationException("read only");
      }

      @Override
      public long size() {
        return content.length;
      }

      @Override
      public void truncate(long size) {
        throw new UnsupportedOperationException("read only");
      }

      @Override
      public void force() {
        // nothing to make durable
      }

      @Override
      public void close() {
        // nothing to release
      }
    };
  }

  /** Where the file lives, for messages. */
  static Path path(Path dir, long base) {
    return dir.resolve(String.format("log-%020d.cseg", base));
  }
}
