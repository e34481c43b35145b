package io.healthwatch.server.cli;

import static io.healthwatch.server.cli.OperatorCommand.await;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.RestoreBatch;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreDump;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Reads everything a {@link StoreDump} holds, section by section (custom values, watches,
 * outages, then each channel's state followed by its samples in pages), into a {@link Sink}: an
 * archive, another store, or just a {@link Digest}.
 */
final class StoreCopy {
  /** Samples a page: as many as a batch, so a log record of a full batch is parsed about once. */
  static final int PAGE = io.healthwatch.core.Limits.MAX_BATCH_SAMPLES;
  static final List<String> SECTIONS = List.of("custom", "watches", "outages", "channels", "samples");

  private StoreCopy() {}

  /** Where the records go. */
  interface Sink {
    void custom(Map<String, String> values);

    void watches(List<WatchSession> watches);

    void outages(List<Outage> outages);

    void channel(ChannelState state);

    /** Returns how many of the samples were new where they went. */
    long samples(String channelId, List<Sample> samples);
  }

  /**
   * Copies the dump into the sink. {@code resumeAfter} says, per channel, after which sample to go
   * on (null: from the first); the samples before it are taken as copied already.
   */
  static void copy(StoreDump dump, Sink sink, Progress progress, Function<String, Sample.SampleKey> resumeAfter) {
    sink.custom(await(dump.custom()));
    sink.watches(await(dump.watches()));
    List<Outage> outages = await(dump.outages());
    for (int i = 0; i < outages.size(); i += PAGE) {
      sink.outages(outages.subList(i, Math.min(outages.size(), i + PAGE)));
    }
    List<ChannelState> channels = await(dump.channels());
    progress.total(channels.stream().mapToLong(ChannelState::sampleCount).sum());
    for (ChannelState c : channels) {
      sink.channel(c);
      Sample.SampleKey after = resumeAfter.apply(c.channelId());
      while (true) {
        List<Sample> page = await(dump.samples(c.channelId(), after, PAGE));
        if (page.isEmpty()) {
          break;
        }
        sink.samples(c.channelId(), page);
        progress.add(page.size());
        after = page.get(page.size() - 1).key();
      }
    }
    progress.finish();
  }

  /** The newest sample key of a channel in a store: where a resumed copy goes on. */
  static Sample.SampleKey newestIn(HealthStore store, String channelId) {
    List<Sample> newest = await(store.samples(channelId, new SampleQuery(Long.MIN_VALUE, Long.MAX_VALUE, 1,
        SortOrder.DESC)));
    return newest.isEmpty() ? null : newest.get(0).key();
  }

  /**
   * Counts and an order-independent checksum of each section: the sum of the first 8 bytes of
   * the SHA-256 of every record's JSON. Two stores with the same records have the same digest,
   * whatever the order they were read in.
   */
  static final class Digest implements Sink {
    private final Map<String, long[]> sections = new LinkedHashMap<>();
    private final MessageDigest sha;

    Digest() {
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      SECTIONS.forEach(s -> sections.put(s, new long[2]));
    }

    static Digest of(StoreDump dump, Progress progress) {
      Digest d = new Digest();
      if (dump != null) {
        copy(dump, d, progress, c -> null);
      }
      return d;
    }

    void add(String section, Object record) {
      long[] s = sections.get(section);
      s[0]++;
      s[1] += ByteBuffer.wrap(sha.digest(Json.toStorageJson(record).getBytes(java.nio.charset.StandardCharsets.UTF_8)))
          .getLong();
    }

    @Override
    public void custom(Map<String, String> values) {
      values.forEach((k, v) -> add("custom", Map.of(k, v)));
    }

    @Override
    public void watches(List<WatchSession> watches) {
      watches.forEach(w -> add("watches", w));
    }

    @Override
    public void outages(List<Outage> outages) {
      outages.forEach(o -> add("outages", o));
    }

    @Override
    public void channel(ChannelState state) {
      add("channels", state);
    }

    @Override
    public long samples(String channelId, List<Sample> samples) {
      samples.forEach(s -> add("samples", s));
      return samples.size();
    }

    Map<String, Long> counts() {
      Map<String, Long> out = new LinkedHashMap<>();
      sections.forEach((k, v) -> out.put(k, v[0]));
      return out;
    }

    long total() {
      return sections.values().stream().mapToLong(v -> v[0]).sum();
    }

    boolean empty() {
      return total() == 0;
    }

    /** {@code section:count:checksum,...}; equal for stores holding the same records. */
    String value() {
      List<String> parts = new ArrayList<>();
      sections.forEach((k, v) -> parts.add(k + ":" + v[0] + ":" + HexFormat.of().toHexDigits(v[1])));
      return String.join(",", parts);
    }

    /** The sections whose count or checksum differ, for a message. */
    List<String> differences(Digest other) {
      List<String> out = new ArrayList<>();
      sections.forEach((k, v) -> {
        long[] o = other.sections.get(k);
        if (v[0] != o[0]) {
          out.add(k + ": " + v[0] + " expected, " + o[0] + " found");
        } else if (v[1] != o[1]) {
          out.add(k + ": same count (" + v[0] + ") but different content");
        }
      });
      return out;
    }
  }

  /** Writes into a store through {@link HealthStore#restore}. */
  static final class Restorer implements Sink {
    private final HealthStore store;
    long written;
    long skipped;

    Restorer(HealthStore store) {
      this.store = store;
    }

    @Override
    public void custom(Map<String, String> values) {
      if (!values.isEmpty()) {
        await(store.restore(RestoreBatch.ofCustom(values)));
      }
    }

    @Override
    public void watches(List<WatchSession> watches) {
      if (!watches.isEmpty()) {
        await(store.restore(RestoreBatch.ofWatches(watches)));
      }
    }

    @Override
    public void outages(List<Outage> outages) {
      if (!outages.isEmpty()) {
        await(store.restore(RestoreBatch.ofOutages(outages)));
      }
    }

    @Override
    public void channel(ChannelState state) {
      await(store.restore(RestoreBatch.ofChannels(List.of(state))));
    }

    @Override
    public long samples(String channelId, List<Sample> samples) {
      int fresh = await(store.restore(RestoreBatch.ofSamples(samples)));
      written += fresh;
      skipped += samples.size() - fresh;
      return fresh;
    }
  }
}
