package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The compact encoding of the samples of one channel in a compressed segment, in blocks of at most
 * {@link #MAX_SAMPLES} samples kept in log order. A block is columnar: the probe ids and notes of
 * the block once each (dictionaries), then per sample its epoch (see {@link CompressedSegment}) as
 * a delta, a flags byte (success, latency present, reason present, note present), the timestamp as
 * a delta of deltas, the latency as a delta from the previous one, the reason, the note's and the
 * probe's dictionary index; every number a (zigzag) varint. The block is then deflated
 * ({@code java.util.zip}, zlib format with its Adler-32).
 */
final class BlockCodec {
  static final int MAX_SAMPLES = 1024;
  /** Inflated data larger than this is damage, not data. */
  static final int MAX_INFLATED = 64 * 1024 * 1024;
  private static final int SUCCESS = 1;
  private static final int LATENCY = 2;
  private static final int REASON = 4;
  private static final int NOTE = 8;
  private static final Reason[] REASONS = Reason.values();

  private BlockCodec() {}

  /** Samples of one channel in log order with the epoch of each. */
  record Block(List<Sample> samples, int[] epochs) {}

  static byte[] encode(List<Sample> samples, int[] epochs) {
    int n = samples.size();
    Out out = new Out(n * 8 + 64);
    out.varint(n);
    Map<String, Integer> probes = new LinkedHashMap<>();
    Map<String, Integer> notes = new LinkedHashMap<>();
    for (Sample s : samples) {
      probes.putIfAbsent(s.probeId(), probes.size());
      if (s.note() != null) {
        notes.putIfAbsent(s.note(), notes.size());
      }
    }
    out.varint(probes.size());
    probes.keySet().forEach(out::string);
    out.varint(notes.size());
    notes.keySet().forEach(out::string);
    int prevEpoch = 0;
    for (int i = 0; i < n; i++) {
      out.varint(epochs[i] - prevEpoch);
      prevEpoch = epochs[i];
    }
    for (Sample s : samples) {
      out.raw((s.success() ? SUCCESS : 0) | (s.latencyMs() != null ? LATENCY : 0) | (s.reason() != null ? REASON : 0)
          | (s.note() != null ? NOTE : 0));
    }
    long prevTs = 0;
    long prevDelta = 0;
    for (int i = 0; i < n; i++) {
      long ts = samples.get(i).timestamp();
      if (i == 0) {
        out.zigzag(ts);
      } else {
        long delta = ts - prevTs;
        out.zigzag(delta - prevDelta);
        prevDelta = delta;
      }
      prevTs = ts;
    }
    long prevLatency = 0;
    for (Sample s : samples) {
      if (s.latencyMs() != null) {
        out.zigzag(s.latencyMs() - prevLatency);
        prevLatency = s.latencyMs();
      }
    }
    for (Sample s : samples) {
      if (s.reason() != null) {
        out.raw(s.reason().ordinal());
      }
    }
    for (Sample s : samples) {
      if (s.note() != null) {
        out.varint(notes.get(s.note()));
      }
    }
    for (Sample s : samples) {
      out.varint(probes.get(s.probeId()));
    }
    return deflate(out.buf, out.len);
  }

  /** Decodes a block of {@code channelId}; an IOException if it is not a well-formed one. */
  static Block decode(String channelId, byte[] compressed) throws IOException {
    In in = new In(inflate(compressed, 0, compressed.length));
    try {
      int n = in.count(MAX_SAMPLES);
      String[] probes = new String[in.count(MAX_SAMPLES)];
      for (int i = 0; i < probes.length; i++) {
        probes[i] = in.string();
      }
      String[] notes = new String[in.count(MAX_SAMPLES)];
      for (int i = 0; i < notes.length; i++) {
        notes[i] = in.string();
      }
      int[] epochs = new int[n];
      int epoch = 0;
      for (int i = 0; i < n; i++) {
        epoch = Math.addExact(epoch, in.count(Integer.MAX_VALUE));
        epochs[i] = epoch;
      }
      int[] flags = new int[n];
      for (int i = 0; i < n; i++) {
        flags[i] = in.raw();
      }
      long[] ts = new long[n];
      long prevDelta = 0;
      for (int i = 0; i < n; i++) {
        if (i == 0) {
          ts[0] = in.zigzag();
        } else {
          prevDelta += in.zigzag();
          ts[i] = ts[i - 1] + prevDelta;
        }
      }
      Long[] latencies = new Long[n];
      long prevLatency = 0;
      for (int i = 0; i < n; i++) {
        if ((flags[i] & LATENCY) != 0) {
          prevLatency += in.zigzag();
          latencies[i] = prevLatency;
        }
      }
      Reason[] reasons = new Reason[n];
      for (int i = 0; i < n; i++) {
        if ((flags[i] & REASON) != 0) {
          reasons[i] = REASONS[in.index(REASONS.length)];
        }
      }
      String[] sampleNotes = new String[n];
      for (int i = 0; i < n; i++) {
        if ((flags[i] & NOTE) != 0) {
          sampleNotes[i] = notes[in.index(notes.length)];
        }
      }
      List<Sample> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(new Sample(channelId, ts[i], (flags[i] & SUCCESS) != 0, latencies[i], reasons[i], sampleNotes[i],
            probes[in.index(probes.length)]));
      }
      if (in.pos != in.data.length) {
        throw new IOException("malformed block: " + (in.data.length - in.pos) + " bytes left over");
      }
      return new Block(out, epochs);
    } catch (ArrayIndexOutOfBoundsException | ArithmeticException e) {
      throw new IOException("malformed block", e);
    }
  }

  static byte[] deflate(byte[] raw, int len) {
    Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION);
    try {
      d.setInput(raw, 0, len);
      d.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(len / 3 + 64);
      byte[] chunk = new byte[8192];
      while (!d.finished()) {
        int n = d.deflate(chunk);
        out.write(chunk, 0, n);
      }
      return out.toByteArray();
    } finally {
      d.end();
    }
  }

  static byte[] inflate(byte[] data, int offset, int length) throws IOException {
    Inflater inf = new Inflater();
    try {
      inf.setInput(data, offset, length);
      byte[] out = new byte[Math.max(64, length * 4)];
      int n = 0;
      while (!inf.finished()) {
        if (n == out.length) {
          if (out.length >= MAX_INFLATED) {
            throw new IOException("malformed block: inflates to more than " + MAX_INFLATED + " bytes");
          }
          out = Arrays.copyOf(out, Math.min(MAX_INFLATED, out.length * 2));
        }
        int got = inf.inflate(out, n, out.length - n);
        if (got == 0 && (inf.needsInput() || inf.needsDictionary())) {
          throw new IOException("malformed block: the compressed data ends early");
        }
        n += got;
      }
      if (inf.getRemaining() != 0) {
        throw new IOException("malformed block: bytes after the compressed data");
      }
      return Arrays.copyOf(out, n);
    } catch (DataFormatException e) {
      throw new IOException("malformed block: " + e.getMessage(), e);
    } finally {
      inf.end();
    }
  }

  /** A growable buffer of varints, zigzag varints, raw bytes and strings. */
  static final class Out {
    byte[] buf;
    int len;

    Out(int capacity) {
      buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int more) {
      if (len + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
      }
    }

    void raw(int b) {
      ensure(1);
      buf[len++] = (byte) b;
    }

    void varint(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[len++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[len++] = (byte) v;
    }

    void zigzag(long v) {
      varint((v << 1) ^ (v >> 63));
    }

    void int32(int v) {
      ensure(4);
      buf[len++] = (byte) (v >>> 24);
      buf[len++] = (byte) (v >>> 16);
      buf[len++] = (byte) (v >>> 8);
      buf[len++] = (byte) v;
    }

    void bytes(byte[] b) {
      varint(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }

    void string(String s) {
      bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, len);
    }
  }

  /** Reads what {@link Out} wrote; malformed input throws an IOException or an index exception. */
  static final class In {
    final byte[] data;
    int pos;

    In(byte[] data) {
      this.data = data;
    }

    int raw() {
      return data[pos++] & 0xFF;
    }

    long varint() throws IOException {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = raw();
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new IOException("malformed varint");
    }

    long zigzag() throws IOException {
      long v = varint();
      return (v >>> 1) ^ -(v & 1);
    }

    /** A non-negative count of at most {@code max}. */
    int count(int max) throws IOException {
      long v = varint();
      if (v < 0 || v > max) {
        throw new IOException("malformed data: count " + v + " out of range");
      }
      return (int) v;
    }

    int index(int size) throws IOException {
      long v = varint();
      if (v < 0 || v >= size) {
        throw new IOException("malformed data: index " + v + " out of range");
      }
      return (int) v;
    }

    int int32() {
      return (raw() << 24) | (raw() << 16) | (raw() << 8) | raw();
    }

    byte[] bytes() throws IOException {
      int n = count(data.length - pos);
      byte[] b = Arrays.copyOfRange(data, pos, pos + n);
      pos += n;
      return b;
    }

    String string() throws IOException {
      return new String(bytes(), StandardCharsets.UTF_8);
    }
  }
}
