package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.json.Json;
import io.healthwatch.storage.disk.FileOps;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint of the state after every log record before {@code position}. Outages are the ones
 * held in memory, in insertion order; older closed ones are in the outage archive, of which
 * {@code outageArchive} records the length and newest times when the snapshot was written.
 * {@code rollups} are the hour rollups (null in snapshots written before rollups existed: they are
 * then rebuilt once from the log).
 */
record SnapshotState(
    int version,
    long position,
    List<ChannelState> channels,
    List<Outage> outages,
    WatchSession activeWatch,
    List<WatchSession> archivedWatches,
    Map<String, String> custom,
    Map<String, Long> deletions,
    List<long[]> retentionMarks,
    OutageArchive.Summary outageArchive,
    RollupStore.State rollups) {
  /**
   * 2: the file is two frames, the JSON of this record with no rollup channels, then the rollups'
   * channels in binary (parsing some 700,000 buckets as base64 JSON strings took seconds at start).
   * 1: one frame, the rollups' channels as base64 strings in the JSON; still read.
   */
  static final int VERSION = 2;

  /** The file: {@code state} (whose rollups hold no channels) as JSON, then {@code rollups} (channel, encoded buckets). */
  static byte[] encode(SnapshotState state, Map<String, byte[]> rollups) throws IOException {
    byte[] json = Frames.encode(Json.MAPPER.writeValueAsBytes(state));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(rollups.size());
      for (Map.Entry<String, byte[]> e : rollups.entrySet()) {
        byte[] id = e.getKey().getBytes(StandardCharsets.UTF_8);
        out.writeInt(id.length);
        out.write(id);
        out.writeInt(e.getValue().length);
        out.write(e.getValue());
      }
    }
    byte[] binary = Frames.encode(bytes.toByteArray());
    byte[] file = java.util.Arrays.copyOf(json, json.length + binary.length);
    System.arraycopy(binary, 0, file, json.length, binary.length);
    return file;
  }

  /** A whole snapshot file read back, either version; throws if any checksum, length or part is wrong. */
  static Decoded decode(byte[] data) throws IOException {
    int len = Frames.validAt(data, 0, data.length);
    if (len < 0) {
      throw new IOException("bad checksum or length");
    }
    SnapshotState s = Json.MAPPER.readValue(data, Frames.HEADER, len, SnapshotState.class);
    int end = Frames.HEADER + len;
    if (s.version() == 1) {
      if (end != data.length) {
        throw new IOException("bad checksum or length");
      }
      return new Decoded(s, null);
    }
    if (s.version() != VERSION) {
      throw new IOException("unexpected version " + s.version());
    }
    int binary = Frames.validAt(data, end, data.length);
    if (binary < 0 || end + Frames.HEADER + binary != data.length || s.rollups() == null) {
      throw new IOException("bad checksum or length of the rollups");
    }
    Map<String, byte[]> rollups = new HashMap<>();
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(data, end + Frames.HEADER, binary);
    try {
      int n = in.getInt();
      for (int i = 0; i < n; i++) {
        int idLength = in.getInt();
        String id = new String(data, in.position(), idLength, StandardCharsets.UTF_8);
        in.position(in.position() + idLength);
        int length = in.getInt();
        rollups.put(id, java.util.Arrays.copyOfRange(data, in.position(), in.position() + length));
        in.position(in.position() + length);
      }
    } catch (RuntimeException e) {
      throw new IOException("the rollups are cut short", e);
    }
    if (in.hasRemaining()) {
      throw new IOException("unexpected bytes after the rollups");
    }
    return new Decoded(s, rollups);
  }

  /**
   * Whether a snapshot file's checksums hold, without decoding it: one frame (version 1) or two
   * (the JSON and the rollups of version 2), nothing after them.
   */
  static boolean checksumsHold(FileOps.Handle h) throws IOException {
    int frames = Frames.countValid(h);
    return frames == 1 || frames == 2;
  }

  /** A snapshot read back; {@code rollups} null for version 1, whose rollups are in the JSON. */
  record Decoded(SnapshotState state, Map<String, byte[]> rollups) {
    long position() {
      return state.position();
    }
  }
}
