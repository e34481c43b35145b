package io.healthwatch.storage.disk.impl;

import io.healthwatch.storage.disk.FileOps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The record framing of every file the engine appends to: {@code [length:int][crc:int][payload]},
 * big-endian, where the CRC32C covers the four length bytes and the payload. A frame is valid only
 * if it is whole and its checksum matches.
 */
final class Frames {
  static final int HEADER = 8;
  static final int MAX_PAYLOAD = 64 * 1024 * 1024;
  /** The smallest frame: a header and the payload {@code {}}. */
  static final int MIN_FRAME = HEADER + 2;

  private Frames() {}

  static byte[] encode(byte[] payload) {
    byte[] out = new byte[HEADER + payload.length];
    ByteBuffer b = ByteBuffer.wrap(out);
    b.putInt(payload.length);
    b.putInt(crc(payload.length, payload, 0, payload.length));
    b.put(payload);
    return out;
  }

  static int crc(int length, byte[] data, int offset, int count) {
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(4).putInt(0, length));
    crc.update(data, offset, count);
    return (int) crc.getValue();
  }

  /** The payload length of a valid frame at {@code pos} of {@code data}, or -1. */
  static int validAt(byte[] data, int pos, int end) {
    if (pos < 0 || end - pos < HEADER) {
      return -1;
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    int len = b.getInt(pos);
    if (len < 2 || len > MAX_PAYLOAD || len > end - pos - HEADER) {
      return -1;
    }
    return crc(len, data, pos + HEADER, len) == b.getInt(pos + 4) ? len : -1;
  }

  /**
   * The number of frames in a file that is nothing but valid frames, or -1 (a bad length or
   * checksum, or bytes after the last whole frame). It reads in slices of {@link #READ_SLICE}
   * and never holds the file in memory.
   */
  static int countValid(FileOps.Handle h) throws IOException {
    long size = h.size();
    ByteBuffer head = ByteBuffer.allocate(HEADER);
    ByteBuffer slice = ByteBuffer.allocate((int) Math.max(1, Math.min(READ_SLICE, size)));
    long pos = 0;
    int frames = 0;
    while (pos < size) {
      head.clear();
      readFully(h, head, pos);
      int len = head.hasRemaining() ? -1 : head.getInt(0);
      if (len < 2 || len > MAX_PAYLOAD || len > size - pos - HEADER) {
        return -1;
      }
      CRC32C crc = new CRC32C();
      crc.update(ByteBuffer.allocate(4).putInt(0, len));
      long end = pos + HEADER + len;
      for (long p = pos + HEADER; p < end; p += slice.limit()) {
        slice.clear().limit((int) Math.min(slice.capacity(), end - p));
        readFully(h, slice, p);
        if (slice.hasRemaining()) {
          return -1;
        }
        crc.update(slice.flip());
      }
      if ((int) crc.getValue() != head.getInt(4)) {
        return -1;
      }
      pos = end;
      frames++;
    }
    return frames;
  }

  /** Reads the payload of the frame at {@code pos}; null if no valid frame is there. */
  static byte[] readAt(FileOps.Handle h, long pos) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(HEADER);
    readFully(h, head, pos);
    if (head.hasRemaining()) {
      return null;
    }
    int len = head.getInt(0);
    if (len < 2 || len > MAX_PAYLOAD) {
      return null;
    }
    byte[] payload = new byte[len];
    ByteBuffer body = ByteBuffer.wrap(payload);
    readFully(h, body, pos + HEADER);
    if (body.hasRemaining() || crc(len, payload, 0, len) != head.getInt(4)) {
      return null;
    }
    return payload;
  }

  /**
   * Reads until {@code dst} is full or the file ends, at most {@link #READ_SLICE} bytes a read: a
   * read into a heap buffer goes through a temporary direct buffer of the read's size, and a fresh
   * one of tens of megabytes costs a cold JVM 150 ms of page faults.
   */
  static void readFully(FileOps.Handle h, ByteBuffer dst, long pos) throws IOException {
    int end = dst.limit();
    long p = pos;
    try {
      while (dst.position() < end) {
        dst.limit(Math.min(end, dst.position() + READ_SLICE));
        int n = h.read(dst, p);
        if (n < 0) {
          return;
        }
        p += n;
      }
    } finally {
      dst.limit(end);
    }
  }

  /** The most one read of {@link #readFully} asks for. */
  static final int READ_SLICE = 1 << 20;

  static byte[] readAll(FileOps.Handle h) throws IOException {
    long size = h.size();
    if (size > Integer.MAX_VALUE - 16) {
      throw new IOException("file too large to scan: " + size + " bytes");
    }
    byte[] data = new byte[(int) size];
    ByteBuffer b = ByteBuffer.wrap(data);
    readFully(h, b, 0);
    if (b.hasRemaining()) {
      return java.util.Arrays.copyOf(data, b.position());
    }
    return data;
  }

  /** A visitor of the valid frames of a file. */
  interface Visitor {
    void frame(int offset, byte[] data, int payloadOffset, int length);
  }

  /**
   * What a scan found. {@code end} is where the valid frames stop: a torn tail starts there when
   * {@code end < size}. {@code damaged} lists {@code [from, to)} byte ranges in the middle of the
   * file that are not valid frames but are followed by valid ones.
   */
  record Scan(int end, int size, List<int[]> damaged) {
    boolean torn() {
      return end < size;
    }

    boolean clean() {
      return !torn() && damaged.isEmpty();
    }
  }

  /**
   * Walks the frames of {@code data} from {@code start}. A bad frame followed somewhere by a valid
   * one is damage in the middle of the file (skipped over and reported); a bad frame with no valid
   * frame after it is a torn tail, the trace of a crash during an append.
   */
  static Scan scan(byte[] data, int start, Visitor visitor) {
    List<int[]> damaged = new ArrayList<>();
    int pos = start;
    int end = data.length;
    while (pos < end) {
      int len = validAt(data, pos, end);
      if (len >= 0) {
        if (visitor != null) {
          visitor.frame(pos, data, pos + HEADER, len);
        }
        pos += HEADER + len;
        continue;
      }
      int next = nextValid(data, pos + MIN_FRAME, end);
      if (next < 0) {
        return new Scan(pos, end, damaged);
      }
      damaged.add(new int[] {pos, next});
      pos = next;
    }
    return new Scan(end, end, damaged);
  }

  private static int nextValid(byte[] data, int from, int end) {
    for (int p = from; p <= end - MIN_FRAME; p++) {
      // Lengths fit in 27 bits, so a frame starts with a byte of at most 4: skips almost every offset.
      if ((data[p] & 0xFF) <= 4 && validAt(data, p, end) >= 0) {
        return p;
      }
    }
    return -1;
  }

  /** A valid frame filling exactly {@code length >= MIN_FRAME} bytes, whose payload is an empty object. */
  static byte[] filler(int length) {
    byte[] payload = new byte[length - HEADER];
    java.util.Arrays.fill(payload, (byte) ' ');
    payload[0] = '{';
    payload[1] = '}';
    return encode(payload);
  }
}
