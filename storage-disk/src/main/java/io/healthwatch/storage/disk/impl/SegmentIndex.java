package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.model.Sample;
import io.healthwatch.storage.disk.FileOps;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The time index of one log segment: per channel the smallest and largest sample timestamp and the
 * sample count (kept in memory for every segment), and the postings, one {@code (record offset,
 * min timestamp, max timestamp)} triple per record holding samples of the channel. Postings of the
 * active segment live in memory; those of a sealed segment are written to its {@code .idx} file
 * and read from there when a query needs them.
 *
 * <p>File layout: {@code [magic:int][headerLength:int][headerCrc:int][header][postings blocks]},
 * the header listing each channel with its figures and the place, count and CRC32C of its block.
 */
final class SegmentIndex {
  private static final int MAGIC = 0x48575831; // "HWX1"

  static final class Channel {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    long samples;
    long[] postings = new long[6];
    int postingCount;
    long blockOffset;
    int blockCrc;

    private void add(long offset, long lo, long hi, int count) {
      min = Math.min(min, lo);
      max = Math.max(max, hi);
      samples += count;
      if (postings != null) {
        if (postingCount * 3 + 3 > postings.length) {
          postings = Arrays.copyOf(postings, postings.length * 2);
        }
        postings[postingCount * 3] = offset;
        postings[postingCount * 3 + 1] = lo;
        postings[postingCount * 3 + 2] = hi;
      }
      postingCount++;
    }
  }

  final TreeMap<String, Channel> channels = new TreeMap<>();
  /** The segment length this index covers. */
  long coveredSize;

  /** Indexes the samples of the record at {@code offset}. */
  void add(long offset, List<Sample> samples) {
    Map<String, long[]> perChannel = new HashMap<>();
    for (Sample s : samples) {
      long[] r = perChannel.computeIfAbsent(s.channelId(), k -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE, 0});
      r[0] = Math.min(r[0], s.timestamp());
      r[1] = Math.max(r[1], s.timestamp());
      r[2]++;
    }
    perChannel.forEach((c, r) -> channels.computeIfAbsent(c, k -> new Channel()).add(offset, r[0], r[1], (int) r[2]));
  }

  /** Adds a channel known only by its figures (a compressed segment has no postings). */
  void addSummary(String channelId, long min, long max, long samples) {
    Channel c = new Channel();
    c.min = min;
    c.max = max;
    c.samples = samples;
    c.postings = null;
    channels.put(channelId, c);
  }

  /** Frees the in-memory postings of a sealed segment once its file is written. */
  void dropPostings() {
    channels.values().forEach(c -> c.postings = null);
  }

  byte[] encode() {
    try {
      ByteArrayOutputStream blocks = new ByteArrayOutputStream();
      ByteArrayOutputStream headerBytes = new ByteArrayOutputStream();
      DataOutputStream header = new DataOutputStream(headerBytes);
      header.writeLong(coveredSize);
      header.writeInt(channels.size());
      for (Map.Entry<String, Channel> e : channels.entrySet()) {
        Channel c = e.getValue();
        ByteBuffer block = ByteBuffer.allocate(c.postingCount * 24);
        for (int i = 0; i < c.postingCount * 3; i++) {
          block.putLong(c.postings[i]);
        }
        CRC32C crc = new CRC32C();
        crc.update(block.array());
        header.writeUTF(e.getKey());
        header.writeLong(c.min);
        header.writeLong(c.max);
        header.writeLong(c.samples);
        header.writeLong(blocks.size());
        header.writeInt(c.postingCount);
        header.writeInt((int) crc.getValue());
        blocks.write(block.array());
      }
      header.flush();
      byte[] h = headerBytes.toByteArray();
      CRC32C crc = new CRC32C();
      crc.update(h);
      ByteBuffer out = ByteBuffer.allocate(12 + h.length + blocks.size());
      out.putInt(MAGIC).putInt(h.length).putInt((int) crc.getValue()).put(h).put(blocks.toByteArray());
      return out.array();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads the header of an index file; null if it is not a whole, valid one. */
  static SegmentIndex readHeader(FileOps.Handle h) throws IOException {
    ByteBuffer pre = ByteBuffer.allocate(12);
    Frames.readFully(h, pre, 0);
    if (pre.hasRemaining() || pre.getInt(0) != MAGIC) {
      return null;
    }
    int len = pre.getInt(4);
    if (len < 12 || len > h.size() - 12) {
      return null;
    }
    byte[] header = new byte[len];
    ByteBuffer hb = ByteBuffer.wrap(header);
    Frames.readFully(h, hb, 12);
    CRC32C crc = new CRC32C();
    crc.update(header);
    if (hb.hasRemaining() || (int) crc.getValue() != pre.getInt(8)) {
      return null;
    }
    SegmentIndex index = new SegmentIndex();
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(header));
    index.coveredSize = in.readLong();
    int n = in.readInt();
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      Channel c = new Channel();
      c.min = in.readLong();
      c.max = in.readLong();
      c.samples = in.readLong();
      c.blockOffset = 12L + len + in.readLong();
      c.postingCount = in.readInt();
      c.blockCrc = in.readInt();
      c.postings = null;
      index.channels.put(name, c);
    }
    return index;
  }

  /** The postings of a channel of a sealed segment, read from its index file; null if damaged. */
  static long[] readPostings(FileOps.Handle h, Channel c) throws IOException {
    byte[] block = new byte[c.postingCount * 24];
    ByteBuffer b = ByteBuffer.wrap(block);
    Frames.readFully(h, b, c.blockOffset);
    CRC32C crc = new CRC32C();
    crc.update(block);
    if (b.hasRemaining() || (int) crc.getValue() != c.blockCrc) {
      return null;
    }
    long[] out = new long[c.postingCount * 3];
    b.flip();
    b.asLongBuffer().get(out);
    return out;
  }
}
