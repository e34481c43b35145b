package io.healthwatch.core.rules;

import io.healthwatch.core.model.Sample;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Per-channel hour (and optionally minute) rollups held in memory, for the backends that keep them
 * in the process (in-memory and disk). Only samples that were really stored (not duplicates) may
 * be added, each once: then the rollups always agree with the stored samples. Not thread-safe.
 */
public final class Rollups {
  private final boolean withMinutes;
  private final Map<String, RollupSeries> hours = new HashMap<>();
  private final Map<String, RollupSeries> minutes = new HashMap<>();
  /**
   * Without minute buckets, {@link #decode} keeps each channel's hours as the bytes it read (about
   * 12 bytes a bucket instead of an object of about 150): a start does not build some 700,000
   * bucket objects of which most are never looked at. A channel's buckets become objects when a
   * sample is added to it; windows read the bytes; {@link #encode} writes them back as they were.
   */
  private final Map<String, Packed> packed = new HashMap<>();

  /** One channel's encoded buckets and how many hour buckets they hold. */
  private record Packed(byte[] bytes, int hours) {
    static Packed of(byte[] bytes) {
      return new Packed(bytes, (int) RollupBucket.readVar(ByteBuffer.wrap(bytes)));
    }

    /** The start of the oldest bucket, read without decoding the rest; MAX_VALUE when there is none. */
    long firstStart() {
      ByteBuffer in = ByteBuffer.wrap(bytes);
      return RollupBucket.readVar(in) == 0 ? Long.MAX_VALUE : RollupBucket.unzigzag(RollupBucket.readVar(in));
    }

    RollupSeries hourSeries() {
      return RollupSeries.readFrom(ByteBuffer.wrap(bytes), RollupPlan.HOUR);
    }
  }

  public Rollups(boolean withMinutes) {
    this.withMinutes = withMinutes;
  }

  /** Reads raw samples of a channel in {@code [from, to)}. */
  @FunctionalInterface
  public interface RawReader {
    void read(long from, long to, Consumer<Sample> out) throws IOException;
  }

  public void add(Sample s) {
    unpack(s.channelId());
    hours.computeIfAbsent(s.channelId(), c -> new RollupSeries(RollupPlan.HOUR)).add(s.timestamp(), s.success(), s.latencyMs());
    if (withMinutes) {
      minutes.computeIfAbsent(s.channelId(), c -> new RollupSeries(RollupPlan.MINUTE))
          .add(s.timestamp(), s.success(), s.latencyMs());
    }
  }

  /** Turns a channel's packed buckets into objects, before they change. */
  private void unpack(String channelId) {
    Packed p = packed.remove(channelId);
    if (p != null) {
      hours.put(channelId, p.hourSeries());
    }
  }

  public void deleteChannel(String channelId) {
    packed.remove(channelId);
    hours.remove(channelId);
    minutes.remove(channelId);
  }

  public void clear() {
    packed.clear();
    hours.clear();
    minutes.clear();
  }

  /**
   * Drops minute buckets that start before {@code minuteCutoff} (they are kept as long as raw
   * samples) and hour buckets that start before {@code hourCutoff}; returns the hour buckets
   * dropped.
   */
  public long dropBefore(long minuteCutoff, long hourCutoff) {
    long n = 0;
    for (RollupSeries s : minutes.values()) {
      s.dropBefore(minuteCutoff);
    }
    for (RollupSeries s : hours.values()) {
      n += s.dropBefore(hourCutoff);
    }
    for (Map.Entry<String, Packed> e : packed.entrySet()) {
      if (e.getValue().firstStart() >= hourCutoff) {
        continue;
      }
      RollupSeries h = e.getValue().hourSeries();
      int dropped = h.dropBefore(hourCutoff);
      if (dropped > 0) {
        n += dropped;
        e.setValue(Packed.of(bytesOf(h, null)));
      }
    }
    return n;
  }

  /**
   * Drops a channel's minute buckets that start before {@code cutoff}: a backend that no longer
   * has the raw samples there (its raw floor moved) never uses them again.
   */
  public void dropMinutesBefore(String channelId, long cutoff) {
    RollupSeries m = minutes.get(channelId);
    if (m != null) {
      m.dropBefore(cutoff);
    }
  }

  /** The statistics of a channel's window, following {@link RollupPlan}. */
  public RollupBucket window(String channelId, long from, long to, long rawFloor, RawReader raw) throws IOException {
    RollupBucket acc = RollupBucket.accumulator();
    RollupPlan plan = RollupPlan.of(from, to, rawFloor, withMinutes);
    RollupSeries h = hours.get(channelId);
    Packed p = packed.get(channelId);
    if (p != null) {
      h = p.hourSeries(); // read, not kept: the channel stays packed
    }
    if (h != null) {
      for (long[] r : plan.hours()) {
        h.forEach(r[0], r[1], acc::merge);
      }
    }
    RollupSeries m = minutes.get(channelId);
    if (m != null) {
      for (long[] r : plan.minutes()) {
        m.forEach(r[0], r[1], acc::merge);
      }
    }
    for (long[] r : plan.raw()) {
      raw.read(r[0], r[1], acc::add);
    }
    return acc;
  }

  /** Buckets held, for health details. */
  public long bucketCount() {
    long n = 0;
    for (RollupSeries s : hours.values()) {
      n += s.size();
    }
    for (RollupSeries s : minutes.values()) {
      n += s.size();
    }
    for (Packed p : packed.values()) {
      n += p.hours();
    }
    return n;
  }

  /** Every channel's buckets, each channel as one base64 string (hours, then minutes). */
  public Map<String, String> encode() {
    Map<String, String> out = new TreeMap<>();
    encodeBytes().forEach((channel, bytes) -> out.put(channel, Base64.getEncoder().encodeToString(bytes)));
    return out;
  }

  /** Every channel's buckets as bytes (hours, then minutes), sorted by channel. */
  public Map<String, byte[]> encodeBytes() {
    Map<String, byte[]> out = new TreeMap<>();
    for (Map.Entry<String, RollupSeries> e : hours.entrySet()) {
      out.put(e.getKey(), bytesOf(e.getValue(), minutes.get(e.getKey())));
    }
    for (Map.Entry<String, Packed> e : packed.entrySet()) {
      out.put(e.getKey(), e.getValue().bytes());
    }
    return out;
  }

  private static byte[] bytesOf(RollupSeries hourSeries, RollupSeries minuteSeries) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    hourSeries.writeTo(bytes);
    if (minuteSeries != null) {
      minuteSeries.writeTo(bytes);
    }
    return bytes.toByteArray();
  }

  /** Replaces everything with what {@link #encode} wrote. */
  public void decode(Map<String, String> encoded) {
    Map<String, byte[]> bytes = new HashMap<>();
    encoded.forEach((channel, text) -> bytes.put(channel, Base64.getDecoder().decode(text)));
    decodeBytes(bytes);
  }

  /** Replaces everything with what {@link #encodeBytes} wrote. */
  public void decodeBytes(Map<String, byte[]> encoded) {
    clear();
    for (Map.Entry<String, byte[]> e : encoded.entrySet()) {
      if (!withMinutes) {
        packed.put(e.getKey(), Packed.of(e.getValue()));
        continue;
      }
      ByteBuffer in = ByteBuffer.wrap(e.getValue());
      hours.put(e.getKey(), RollupSeries.readFrom(in, RollupPlan.HOUR));
      if (in.hasRemaining()) {
        RollupSeries m = RollupSeries.readFrom(in, RollupPlan.MINUTE);
        if (withMinutes) {
          minutes.put(e.getKey(), m);
        }
      }
    }
  }
}
