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

  public Rollups(boolean withMinutes) {
    this.withMinutes = withMinutes;
  }

  /** Reads raw samples of a channel in {@code [from, to)}. */
  @FunctionalInterface
  public interface RawReader {
    void read(long from, long to, Consumer<Sample> out) throws IOException;
  }

  public void add(Sample s) {
    hours.computeIfAbsent(s.channelId(), c -> new RollupSeries(RollupPlan.HOUR)).add(s.timestamp(), s.success(), s.latencyMs());
    if (withMinutes) {
      minutes.computeIfAbsent(s.channelId(), c -> new RollupSeries(RollupPlan.MINUTE))
          .add(s.timestamp(), s.success(), s.latencyMs());
    }
  }

  public void deleteChannel(String channelId) {
    hours.remove(channelId);
    minutes.remove(channelId);
  }

  public void clear() {
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
    return n;
  }

  /** Every channel's buckets, each channel as one base64 string (hours, then minutes). */
  public Map<String, String> encode() {
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, RollupSeries> e : hours.entrySet()) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      e.getValue().writeTo(bytes);
      RollupSeries m = minutes.get(e.getKey());
      if (m != null) {
        m.writeTo(bytes);
      }
      out.put(e.getKey(), Base64.getEncoder().encodeToString(bytes.toByteArray()));
    }
    return out;
  }

  /** Replaces everything with what {@link #encode} wrote. */
  public void decode(Map<String, String> encoded) {
    clear();
    for (Map.Entry<String, String> e : encoded.entrySet()) {
      ByteBuffer in = ByteBuffer.wrap(Base64.getDecoder().decode(e.getValue()));
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
