package io.healthwatch.core.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.healthwatch.core.ErrorCode;
import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.ChannelStatus;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.model.WatchChannelStats;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.model.WindowStats;
import io.healthwatch.core.rules.Ids;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.RestoreBatch;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The promises of STORAGE.md, checked through the {@link HealthStore} API. A backend runs it by
 * subclassing with a factory: {@link #open} must open the same location every time it is called
 * within one test, and a fresh location for each test. Backends that keep data across a close
 * return true from {@link #persistent()}, which enables the reopen tests.
 */
@ExtendWith(VertxExtension.class)
public abstract class HealthStoreConformanceTest {
  /** 2025-11-24T16:00:00Z; every sample of the suite lies after it. */
  protected static final long T0 = 1_764_000_000_000L;
  private static final long MINUTE = 60_000L;

  protected Vertx vertx;
  protected MutableClock clock;
  protected StoreOptions options;
  protected HealthStore store;
  protected final List<StoreEvent> events = new CopyOnWriteArrayList<>();

  /** Opens the store of this test: the same location on every call within one test. */
  protected abstract Future<HealthStore> open(Vertx vertx, StoreOptions options);

  /** Whether what was acknowledged survives {@link HealthStore#close()} and a new {@link #open}. */
  protected abstract boolean persistent();

  /** Options for this test; override to tune a backend (keep the suite's clock and bounds). */
  protected StoreOptions baseOptions() {
    return new StoreOptions();
  }

  @BeforeEach
  void openStore(Vertx vertx) {
    this.vertx = vertx;
    this.clock = new MutableClock(T0);
    this.options = baseOptions().setClock(clock);
    this.store = await(open(vertx, options));
    store.addListener(events::add);
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      await(store.close());
      store = null;
    }
  }

  // ---------------------------------------------------------------- helpers

  protected static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError("store operation did not complete", e);
    }
  }

  /** Closes the store and opens it again on the same location. */
  protected void reopen() {
    assumeTrue(persistent(), "only persistent backends keep data across a close");
    await(store.close());
    store = await(open(vertx, options));
    store.addListener(events::add);
  }

  protected static Sample ok(String channel, long t, Long latency) {
    return new Sample(channel, t, true, latency, null, null, null);
  }

  protected static Sample ok(String channel, long t) {
    return ok(channel, t, 10L);
  }

  protected static Sample fail(String channel, long t, Reason reason) {
    return new Sample(channel, t, false, null, reason, "failed at " + t, null);
  }

  protected IngestResult ingest(Sample... samples) {
    return await(store.ingest(List.of(samples)));
  }

  protected ChannelState channel(String id) {
    return await(store.channel(id)).orElseThrow(() -> new AssertionError("no channel " + id));
  }

  protected List<Sample> all(String channel) {
    return await(store.samples(channel, new SampleQuery(0, Long.MAX_VALUE, SampleQuery.MAX_LIMIT, SortOrder.ASC)));
  }

  protected List<Outage> outagesOf(String channel) {
    return await(store.outages(new OutageQuery(channel, 0, Long.MAX_VALUE, null, SampleQuery.MAX_LIMIT)));
  }

  // ---------------------------------------------------------------- promise 1 and 2

  @Nested
  @DisplayName("Acknowledged batches")
  class Acknowledged {
    @Test
    @DisplayName("an acknowledged batch can be read back whole, across channels")
    void acknowledgedBatchIsReadable() {
      IngestResult r = ingest(ok("api", T0 + 1), ok("db", T0 + 2), fail("api", T0 + 3, Reason.HTTP));
      assertThat(r.accepted()).isEqualTo(3);
      assertThat(r.duplicates()).isZero();
      assertThat(all("api")).extracting(Sample::timestamp).containsExactly(T0 + 1, T0 + 3);
      assertThat(all("db")).extracting(Sample::timestamp).containsExactly(T0 + 2);
      assertThat(channel("api").sampleCount()).isEqualTo(2);
      assertThat(channel("db").state()).isEqualTo(ChannelStatus.ONLINE);
    }

    @Test
    @DisplayName("every field of a sample is stored as it came")
    void fieldsRoundTrip() {
      Sample s = new Sample("api.v2:eu-1", T0 + 5, false, 3_600_000L, Reason.TLS, "certificate expired ✓ \"quoted\"", "probe-7");
      ingest(s);
      assertThat(all("api.v2:eu-1")).containsExactly(s);
    }

    @Test
    @DisplayName("many batches written at once are all acknowledged and all stored")
    void concurrentBatches() {
      List<Future<IngestResult>> writes = new ArrayList<>();
      for (int b = 0; b < 50; b++) {
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          batch.add(ok("ch" + (i % 5), T0 + b * 100L + i));
        }
        writes.add(store.ingest(batch));
      }
      int accepted = writes.stream().mapToInt(f -> await(f).accepted()).sum();
      assertThat(accepted).isEqualTo(1000);
      for (int c = 0; c < 5; c++) {
        assertThat(all("ch" + c)).hasSize(200);
        assertThat(channel("ch" + c).sampleCount()).isEqualTo(200);
      }
    }

    @Test
    @DisplayName("an empty batch stores nothing and succeeds")
    void emptyBatch() {
      IngestResult r = await(store.ingest(List.of()));
      assertThat(r.accepted()).isZero();
      assertThat(await(store.channels())).isEmpty();
    }

    @Test
    @DisplayName("a fresh store is ready to take writes")
    void freshStoreIsUp() {
      StoreHealth h = await(store.health());
      assertThat(h.status()).isEqualTo(StoreHealth.Status.UP);
      assertThat(h.writable()).isTrue();
    }
  }

  // ---------------------------------------------------------------- promise 3

  @Nested
  @DisplayName("Nothing doubled")
  class Duplicates {
    @Test
    @DisplayName("a retried batch is stored once and counted as duplicates")
    void retriedBatch() {
      Sample[] batch = {ok("api", T0 + 1), ok("api", T0 + 2)};
      ingest(batch);
      IngestResult retry = ingest(batch);
      assertThat(retry.accepted()).isZero();
      assertThat(retry.duplicates()).isEqualTo(2);
      assertThat(retry.events()).isEmpty();
      assertThat(all("api")).hasSize(2);
      assertThat(channel("api").sampleCount()).isEqualTo(2);
    }

    @Test
    @DisplayName("the same sample twice in one batch is stored once")
    void duplicateWithinBatch() {
      IngestResult r = ingest(ok("api", T0 + 1), ok("api", T0 + 1));
      assertThat(r.accepted()).isEqualTo(1);
      assertThat(r.duplicates()).isEqualTo(1);
      assertThat(all("api")).hasSize(1);
    }

    @Test
    @DisplayName("samples differing only in probe id are different samples")
    void probeIsPartOfIdentity() {
      IngestResult r = ingest(new Sample("api", T0, true, 1L, null, null, "p1"),
          new Sample("api", T0, true, 2L, null, null, "p2"), ok("api", T0));
      assertThat(r.accepted()).isEqualTo(3);
      assertThat(all("api")).extracting(Sample::probeId).containsExactlyInAnyOrder("p1", "p2", "default");
    }

    @Test
    @DisplayName("a duplicate of an old sample is recognised after newer ones")
    void oldDuplicate() {
      List<Sample> many = IntStream.range(0, 1_200).mapToObj(i -> ok("api", T0 + i)).toList();
      await(store.ingest(many));
      IngestResult r = ingest(ok("api", T0 + 3));
      assertThat(r.duplicates()).isEqualTo(1);
      assertThat(all("api")).hasSize(persistent() ? 1_200 : options.getMaxCachedSamplesPerChannel());
    }

    @Test
    @DisplayName("duplicates are recognised after close and reopen")
    void duplicatesAcrossReopen() {
      ingest(ok("api", T0 + 1), fail("api", T0 + 2, Reason.DNS));
      reopen();
      IngestResult r = ingest(ok("api", T0 + 1), fail("api", T0 + 2, Reason.DNS), ok("api", T0 + 3));
      assertThat(r.accepted()).isEqualTo(1);
      assertThat(r.duplicates()).isEqualTo(2);
      assertThat(all("api")).hasSize(3);
      assertThat(channel("api").sampleCount()).isEqualTo(3);
    }
  }

  // ---------------------------------------------------------------- state and outage rules

  @Nested
  @DisplayName("Channel state and outages")
  class Rules {
    @Test
    @DisplayName("a channel is online after its first success")
    void firstSuccess() {
      ingest(ok("api", T0 + 10, 42L));
      ChannelState c = channel("api");
      assertThat(c.state()).isEqualTo(ChannelStatus.ONLINE);
      assertThat(c.lastSampleAt()).isEqualTo(T0 + 10);
      assertThat(c.lastSampleSuccess()).isTrue();
      assertThat(c.lastLatencyMs()).isEqualTo(42L);
      assertThat(c.consecutiveFailures()).isZero();
      assertThat(c.lastStateChangeAt()).isEqualTo(T0 + 10);
      assertThat(c.sampleCount()).isEqualTo(1);
      assertThat(c.openOutageId()).isNull();
    }

    @Test
    @DisplayName("an unknown channel is not listed and has no samples")
    void unknownChannel() {
      assertThat(await(store.channel("nope"))).isEmpty();
      assertThat(all("nope")).isEmpty();
    }

    @Test
    @DisplayName("channels are listed sorted by id")
    void channelsSorted() {
      ingest(ok("b", T0), ok("a", T0), ok("C", T0), ok("a.1", T0));
      assertThat(await(store.channels())).extracting(ChannelState::channelId).containsExactly("C", "a", "a.1", "b");
    }

    @Test
    @DisplayName("failures below the threshold count up but do not change the state")
    void belowThreshold() {
      ingest(ok("api", T0), fail("api", T0 + 1, Reason.TIMEOUT), fail("api", T0 + 2, Reason.TIMEOUT));
      ChannelState c = channel("api");
      assertThat(c.state()).isEqualTo(ChannelStatus.ONLINE);
      assertThat(c.consecutiveFailures()).isEqualTo(2);
      assertThat(c.lastSampleSuccess()).isFalse();
      assertThat(c.lastStateChangeAt()).isEqualTo(T0);
      assertThat(outagesOf("api")).isEmpty();
    }

    @Test
    @DisplayName("a channel whose first samples fail stays unknown until the threshold")
    void unknownUntilThreshold() {
      ingest(fail("api", T0, Reason.DNS));
      assertThat(channel("api").state()).isEqualTo(ChannelStatus.UNKNOWN);
      ingest(fail("api", T0 + 1, Reason.DNS), fail("api", T0 + 2, Reason.DNS));
      assertThat(channel("api").state()).isEqualTo(ChannelStatus.OFFLINE);
    }

    @Test
    @DisplayName("reaching the threshold takes the channel offline and opens an outage")
    void thresholdOpensOutage() {
      ingest(ok("api", T0), fail("api", T0 + MINUTE, Reason.TIMEOUT), fail("api", T0 + 2 * MINUTE, Reason.HTTP));
      IngestResult r = ingest(fail("api", T0 + 3 * MINUTE, Reason.TCP));
      ChannelState c = channel("api");
      assertThat(c.state()).isEqualTo(ChannelStatus.OFFLINE);
      assertThat(c.consecutiveFailures()).isEqualTo(3);
      assertThat(c.lastStateChangeAt()).isEqualTo(T0 + 3 * MINUTE);
      Outage o = await(store.outage(c.openOutageId())).orElseThrow();
      assertThat(o.channelId()).isEqualTo("api");
      assertThat(o.firstFailureAt()).isEqualTo(T0 + MINUTE);
      assertThat(o.confirmedAt()).isEqualTo(T0 + 3 * MINUTE);
      assertThat(o.recoveredAt()).isNull();
      assertThat(o.actualDuration()).isNull();
      assertThat(o.failureCount()).isEqualTo(3);
      assertThat(o.reason()).isEqualTo(Reason.TIMEOUT);
      assertThat(r.events()).extracting(e -> e.getClass().getSimpleName())
          .containsExactly("SampleStored", "StateChanged", "OutageChanged");
    }

    @Test
    @DisplayName("an open outage counts every further failure")
    void outageGrows() {
      ingest(fail("api", T0, null), fail("api", T0 + 1, null), fail("api", T0 + 2, null));
      IngestResult r = ingest(fail("api", T0 + 3, null), fail("api", T0 + 4, null));
      assertThat(r.events()).allMatch(e -> e instanceof StoreEvent.SampleStored);
      Outage o = outagesOf("api").get(0);
      assertThat(o.failureCount()).isEqualTo(5);
      assertThat(o.open()).isTrue();
      assertThat(channel("api").consecutiveFailures()).isEqualTo(5);
    }

    @Test
    @DisplayName("the next success closes the outage with its real duration")
    void successClosesOutage() {
      ingest(ok("api", T0), fail("api", T0 + 1_000, Reason.DNS), fail("api", T0 + 2_000, Reason.DNS),
          fail("api", T0 + 3_000, Reason.DNS));
      String id = channel("api").openOutageId();
      IngestResult r = ingest(ok("api", T0 + 65_000));
      Outage o = await(store.outage(id)).orElseThrow();
      assertThat(o.recoveredAt()).isEqualTo(T0 + 65_000);
      assertThat(o.actualDuration()).isEqualTo(64_000);
      assertThat(o.failureCount()).isEqualTo(3);
      ChannelState c = channel("api");
      assertThat(c.state()).isEqualTo(ChannelStatus.ONLINE);
      assertThat(c.openOutageId()).isNull();
      assertThat(c.consecutiveFailures()).isZero();
      assertThat(c.lastStateChangeAt()).isEqualTo(T0 + 65_000);
      assertThat(r.events()).extracting(e -> e.getClass().getSimpleName())
          .containsExactly("SampleStored", "StateChanged", "OutageChanged");
      assertThat(((StoreEvent.OutageChanged) r.events().get(2)).outage()).isEqualTo(o);
    }

    @Test
    @DisplayName("a success resets the failure streak, so a later streak starts anew")
    void streakResets() {
      ingest(fail("api", T0, Reason.DNS), fail("api", T0 + 1, Reason.DNS), ok("api", T0 + 2),
          fail("api", T0 + 3, Reason.TLS), fail("api", T0 + 4, Reason.DNS), fail("api", T0 + 5, Reason.DNS));
      Outage o = outagesOf("api").get(0);
      assertThat(o.firstFailureAt()).isEqualTo(T0 + 3);
      assertThat(o.reason()).isEqualTo(Reason.TLS);
    }

    @Test
    @DisplayName("a sample older than the last one is stored but does not change the state")
    void outOfOrder() {
      ingest(ok("api", T0 + 10_000));
      IngestResult r = ingest(fail("api", T0, Reason.TIMEOUT), fail("api", T0 + 1, Reason.TIMEOUT),
          fail("api", T0 + 2, Reason.TIMEOUT));
      ChannelState c = channel("api");
      assertThat(c.state()).isEqualTo(ChannelStatus.ONLINE);
      assertThat(c.consecutiveFailures()).isZero();
      assertThat(c.lastSampleAt()).isEqualTo(T0 + 10_000);
      assertThat(c.sampleCount()).isEqualTo(4);
      assertThat(all("api")).hasSize(4);
      assertThat(r.events()).hasSize(3).allMatch(e -> e instanceof StoreEvent.SampleStored);
      assertThat(outagesOf("api")).isEmpty();
    }

    @Test
    @DisplayName("the outage threshold is a setting")
    void thresholdIsASetting() {
      await(store.close());
      options.setOutageThreshold(1);
      store = await(open(vertx, options));
      ingest(ok("api", T0), fail("api", T0 + 1, Reason.SCRIPT));
      assertThat(channel("api").state()).isEqualTo(ChannelStatus.OFFLINE);
      assertThat(outagesOf("api")).hasSize(1);
    }

    @Test
    @DisplayName("listeners see every event of a batch in order")
    void listenerSeesEvents() {
      events.clear();
      IngestResult r = ingest(fail("api", T0, null), fail("api", T0 + 1, null), fail("api", T0 + 2, null),
          ok("api", T0 + 3));
      assertThat(r.events()).hasSize(4 + 2 + 2);
      assertThat(events).containsExactlyElementsOf(r.events());
    }
  }

  // ---------------------------------------------------------------- window queries

  @Nested
  @DisplayName("Window queries")
  class Windows {
    @BeforeEach
    void tenSamples() {
      List<Sample> batch = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        batch.add(ok("api", T0 + i * 1_000L, (long) i));
      }
      batch.add(ok("other", T0 + 500));
      await(store.ingest(batch));
    }

    @Test
    @DisplayName("from is inclusive and to is exclusive")
    void bounds() {
      List<Sample> s = await(store.samples("api", new SampleQuery(T0 + 2_000, T0 + 5_000, 100, SortOrder.ASC)));
      assertThat(s).extracting(Sample::timestamp).containsExactly(T0 + 2_000, T0 + 3_000, T0 + 4_000);
    }

    @Test
    @DisplayName("newest first by default order, oldest first with asc")
    void order() {
      assertThat(await(store.samples("api", SampleQuery.latest()))).extracting(Sample::timestamp)
          .first().isEqualTo(T0 + 9_000);
      assertThat(await(store.samples("api", new SampleQuery(0, Long.MAX_VALUE, 100, SortOrder.ASC))))
          .extracting(Sample::timestamp).first().isEqualTo(T0);
    }

    @Test
    @DisplayName("the limit keeps the first samples in the asked order")
    void limit() {
      assertThat(await(store.samples("api", new SampleQuery(0, Long.MAX_VALUE, 3, SortOrder.DESC))))
          .extracting(Sample::timestamp).containsExactly(T0 + 9_000, T0 + 8_000, T0 + 7_000);
      assertThat(await(store.samples("api", new SampleQuery(0, Long.MAX_VALUE, 3, SortOrder.ASC))))
          .extracting(Sample::timestamp).containsExactly(T0, T0 + 1_000, T0 + 2_000);
    }

    @Test
    @DisplayName("a window holds only the asked channel")
    void onlyTheChannel() {
      assertThat(all("api")).allMatch(s -> s.channelId().equals("api")).hasSize(10);
    }

    @Test
    @DisplayName("an empty window is empty")
    void empty() {
      assertThat(await(store.samples("api", new SampleQuery(T0 + 20_000, T0 + 30_000, 100, SortOrder.DESC)))).isEmpty();
      assertThat(await(store.samples("api", new SampleQuery(T0 + 1_000, T0 + 1_000, 100, SortOrder.DESC)))).isEmpty();
    }

    @Test
    @DisplayName("a window query reads history beyond the cache")
    void beyondCache() {
      assumeTrue(persistent(), "only persistent backends keep history beyond the cache");
      List<Sample> many = IntStream.range(0, 2_500).mapToObj(i -> ok("deep", T0 + i)).toList();
      await(store.ingest(many));
      assertThat(await(store.samples("deep", new SampleQuery(T0, T0 + 100, 1_000, SortOrder.ASC))))
          .extracting(Sample::timestamp).containsExactlyElementsOf(LongRange.of(T0, T0 + 100));
      assertThat(all("deep")).hasSize(2_500);
    }
  }

  /** Consecutive longs. */
  static final class LongRange {
    static List<Long> of(long from, long to) {
      List<Long> out = new ArrayList<>();
      for (long v = from; v < to; v++) {
        out.add(v);
      }
      return out;
    }
  }

  // ---------------------------------------------------------------- stats

  @Nested
  @DisplayName("Window statistics")
  class Stats {
    @Test
    @DisplayName("counts, availability and nearest-rank latency percentiles")
    void stats() {
      List<Sample> batch = new ArrayList<>();
      for (int i = 1; i <= 100; i++) {
        batch.add(i % 10 == 0 ? fail("api", T0 + i, Reason.TIMEOUT) : ok("api", T0 + i, (long) i));
      }
      await(store.ingest(batch));
      WindowStats s = await(store.stats("api", T0, T0 + 1_000));
      assertThat(s.channelId()).isEqualTo("api");
      assertThat(s.from()).isEqualTo(T0);
      assertThat(s.to()).isEqualTo(T0 + 1_000);
      assertThat(s.samples()).isEqualTo(100);
      assertThat(s.successes()).isEqualTo(90);
      assertThat(s.failures()).isEqualTo(10);
      assertThat(s.availability()).isEqualTo(0.9);
      // 90 latencies: 1..99 without multiples of 10; nearest rank 45, 86, 90.
      assertThat(s.latencyP50()).isEqualTo(49L);
      assertThat(s.latencyP95()).isEqualTo(95L);
      assertThat(s.latencyP99()).isEqualTo(99L);
    }

    @Test
    @DisplayName("only the window counts")
    void windowOnly() {
      ingest(ok("api", T0, 5L), ok("api", T0 + 10, 7L), fail("api", T0 + 20, null));
      WindowStats s = await(store.stats("api", T0 + 10, T0 + 20));
      assertThat(s.samples()).isEqualTo(1);
      assertThat(s.latencyP50()).isEqualTo(7L);
      assertThat(s.availability()).isEqualTo(1.0);
    }

    @Test
    @DisplayName("availability is rounded to four decimals")
    void rounding() {
      List<Sample> batch = new ArrayList<>();
      for (int i = 0; i < 120; i++) {
        batch.add(i < 2 ? fail("api", T0 + i, null) : ok("api", T0 + i));
      }
      await(store.stats("api", 0, 1)); // warm nothing; a query before data must work too
      await(store.ingest(batch));
      assertThat(await(store.stats("api", T0, T0 + 1_000)).availability()).isCloseTo(0.9833, within(1e-9));
    }

    @Test
    @DisplayName("an empty window has null availability and percentiles")
    void emptyWindow() {
      WindowStats s = await(store.stats("nothing", T0, T0 + 1));
      assertThat(s.samples()).isZero();
      assertThat(s.availability()).isNull();
      assertThat(s.latencyP50()).isNull();
      assertThat(s.latencyP95()).isNull();
      assertThat(s.latencyP99()).isNull();
    }

    @Test
    @DisplayName("percentiles ignore samples without latency, and are null when none has one")
    void noLatency() {
      ingest(fail("api", T0, null), fail("api", T0 + 1, null));
      WindowStats s = await(store.stats("api", T0, T0 + 10));
      assertThat(s.samples()).isEqualTo(2);
      assertThat(s.availability()).isEqualTo(0.0);
      assertThat(s.latencyP50()).isNull();
      ingest(ok("api", T0 + 2, 30L));
      assertThat(await(store.stats("api", T0, T0 + 10)).latencyP99()).isEqualTo(30L);
    }
  }

  // ---------------------------------------------------------------- rollups

  @Nested
  @DisplayName("Statistics from rollups")
  class RollupStats {
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 24 * HOUR;

    /** 700 samples per channel over three days, random outcome and latency (some none). */
    private List<Sample> history(java.util.Random rnd, String channel, long start, long span) {
      java.util.TreeMap<Long, Sample> byTime = new java.util.TreeMap<>();
      while (byTime.size() < 700) {
        long t = start + (long) (rnd.nextDouble() * span);
        Long latency = rnd.nextInt(10) == 0 ? null : (long) (rnd.nextInt(4) == 0 ? rnd.nextInt(200_000) : rnd.nextInt(400));
        boolean success = rnd.nextInt(7) != 0;
        byTime.put(t, new Sample(channel, t, success, success ? latency : null, success ? null : Reason.HTTP, null, null));
      }
      return new ArrayList<>(byTime.values());
    }

    /** Ingests the samples shuffled, in batches, sending some batches twice. */
    private void ingestShuffled(java.util.Random rnd, List<Sample> samples) {
      List<Sample> shuffled = new ArrayList<>(samples);
      java.util.Collections.shuffle(shuffled, rnd);
      for (int i = 0; i < shuffled.size(); i += 97) {
        List<Sample> batch = shuffled.subList(i, Math.min(shuffled.size(), i + 97));
        await(store.ingest(batch));
        if (rnd.nextInt(3) == 0) {
          assertThat(await(store.ingest(batch)).duplicates()).isEqualTo(batch.size());
        }
      }
    }

    /** A random bound: aligned to an hour, a minute, or anywhere. */
    private long bound(java.util.Random rnd, long start, long span) {
      long t = start - HOUR + (long) (rnd.nextDouble() * (span + 2 * HOUR));
      return switch (rnd.nextInt(4)) {
        case 0 -> Math.floorDiv(t, HOUR) * HOUR;
        case 1 -> Math.floorDiv(t, MINUTE) * MINUTE;
        default -> t;
      };
    }

    private void assertAgrees(String channel, List<Sample> samples, long from, long to) {
      WindowStats s = await(store.stats(channel, from, to));
      List<Sample> in = samples.stream().filter(x -> x.timestamp() >= from && x.timestamp() < to).toList();
      assertBruteForce(s, in, "window [" + from + ", " + to + ")");
    }

    private void assertBruteForce(WindowStats s, List<Sample> in, String what) {
      long successes = in.stream().filter(Sample::success).count();
      assertThat(s.samples()).as("samples of " + what).isEqualTo(in.size());
      assertThat(s.successes()).as("successes of " + what).isEqualTo(successes);
      assertThat(s.failures()).as("failures of " + what).isEqualTo(in.size() - successes);
      if (in.isEmpty()) {
        assertThat(s.availability()).isNull();
      } else {
        assertThat(s.availability()).as("availability of " + what)
            .isEqualTo(Math.round(successes * 10_000.0 / in.size()) / 10_000.0);
      }
      long[] sorted = in.stream().filter(x -> x.latencyMs() != null).mapToLong(Sample::latencyMs).sorted().toArray();
      assertPercentile(s.latencyP50(), sorted, 50, what);
      assertPercentile(s.latencyP95(), sorted, 95, what);
      assertPercentile(s.latencyP99(), sorted, 99, what);
    }

    private void assertPercentile(Long actual, long[] sorted, int p, String what) {
      if (sorted.length == 0) {
        assertThat(actual).as("p" + p + " of " + what).isNull();
        return;
      }
      long exact = sorted[Math.max(0, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
      long error = io.healthwatch.core.rules.LatencyHistogram.errorBound(exact);
      assertThat(actual).as("p" + p + " of " + what + " (exact " + exact + ", allowed error " + error + ")")
          .isBetween(exact - error, exact + error);
    }

    @Test
    @DisplayName("statistics of random windows equal a brute-force count over the samples, out of order and with duplicates, also after reopen")
    void randomWindows() {
      java.util.Random rnd = new java.util.Random(42);
      long start = T0 - 3 * DAY + 12_345;
      long span = 3 * DAY;
      List<Sample> api = history(rnd, "api", start, span);
      List<Sample> db = history(rnd, "db", start, span);
      List<Sample> all = new ArrayList<>(api);
      all.addAll(db);
      ingestShuffled(rnd, all);
      List<long[]> windows = new ArrayList<>();
      windows.add(new long[] {start - DAY, start + 2 * span});
      for (int i = 0; i < 150; i++) {
        long a = bound(rnd, start, span);
        long b = bound(rnd, start, span);
        windows.add(new long[] {Math.min(a, b), Math.max(a, b)});
      }
      for (long[] w : windows) {
        assertAgrees("api", api, w[0], w[1]);
        assertAgrees("db", db, w[0], w[1]);
      }
      if (persistent()) {
        reopen();
        for (long[] w : windows.subList(0, 40)) {
          assertAgrees("api", api, w[0], w[1]);
          assertAgrees("db", db, w[0], w[1]);
        }
      }
    }

    @Test
    @DisplayName("a late sample and a resent batch update the window once")
    void lateAndDuplicate() {
      ingest(ok("api", T0, 5L), ok("api", T0 + 2 * HOUR, 7L));
      ingest(fail("api", T0 + HOUR + 30_000, null), ok("api", T0, 5L));
      ingest(fail("api", T0 + HOUR + 30_000, null));
      WindowStats s = await(store.stats("api", T0, T0 + 3 * HOUR));
      assertThat(s.samples()).isEqualTo(3);
      assertThat(s.failures()).isEqualTo(1);
      assertThat(s.latencyP99()).isEqualTo(7L);
    }

    @Test
    @DisplayName("past raw retention, windows count whole hour buckets from the rollups, also after reopen")
    void pastRetention() {
      List<Sample> samples = new ArrayList<>();
      for (int d = 40; d >= 0; d--) {
        for (int i = 0; i < 5; i++) {
          long t = T0 - d * DAY + i * 17 * MINUTE + 1_234;
          samples.add(i == 3 ? fail("api", t, Reason.DNS) : ok("api", t, 100L + d + i));
        }
      }
      await(store.ingest(samples));
      long cutoff = T0 - 30 * DAY + 5 * MINUTE;
      await(store.applyRetention(cutoff));
      assertThat(all("api")).allMatch(x -> x.timestamp() >= cutoff);
      checkPastRetention(samples, cutoff);
      if (persistent()) {
        reopen();
        checkPastRetention(samples, cutoff);
      }
    }

    private void checkPastRetention(List<Sample> samples, long cutoff) {
      long boundary = Math.floorDiv(cutoff, HOUR) * HOUR + HOUR; // first hour starting after the cutoff
      long[][] windows = {
          {T0 - 45 * DAY, T0 + DAY}, {T0 - 40 * DAY, T0 - 35 * DAY}, {T0 - 40 * DAY + 1_234, T0 - 20 * DAY + 7},
          {T0 - 31 * DAY, cutoff + HOUR + 3}, {boundary, T0}, {T0 - 10 * DAY - 59_000, T0 - 9 * DAY + 61_000}};
      for (long[] w : windows) {
        long from = w[0];
        long to = w[1];
        List<Sample> expected = samples.stream().filter(x -> from < boundary
            ? (x.timestamp() >= boundary && x.timestamp() < to)
                || (Math.floorDiv(x.timestamp(), HOUR) * HOUR >= from && Math.floorDiv(x.timestamp(), HOUR) * HOUR < Math.min(to, boundary))
            : x.timestamp() >= from && x.timestamp() < to).toList();
        assertBruteForce(await(store.stats("api", from, to)), expected, "window [" + from + ", " + to + ")");
      }
    }

    @Test
    @DisplayName("retention drops hour rollups older than the rollup retention")
    void rollupRetention() {
      await(store.close());
      options.setRollupRetentionDays(35);
      store = await(open(vertx, options));
      ingest(ok("api", T0 - 38 * DAY), ok("api", T0 - 33 * DAY), ok("api", T0 - DAY));
      var result = await(store.applyRetention(T0 - 30 * DAY));
      assertThat(result.rollupCutoff()).isEqualTo(T0 - 35 * DAY);
      assertThat(await(store.stats("api", T0 - 40 * DAY, T0)).samples()).isEqualTo(2);
      assertThat(await(store.stats("api", T0 - 34 * DAY, T0)).samples()).isEqualTo(2);
      assertThat(await(store.stats("api", T0 - 32 * DAY, T0)).samples()).isEqualTo(1);
      if (persistent()) {
        reopen();
        assertThat(await(store.stats("api", T0 - 40 * DAY, T0)).samples()).isEqualTo(2);
      }
    }

    @Test
    @DisplayName("a deleted channel's rollups are gone")
    void deletedChannel() {
      ingest(ok("gone", T0 - 5 * HOUR), ok("gone", T0));
      await(store.deleteChannel("gone"));
      ingest(ok("gone", T0 + 1));
      assertThat(await(store.stats("gone", T0 - DAY, T0 + DAY)).samples()).isEqualTo(1);
      if (persistent()) {
        reopen();
        assertThat(await(store.stats("gone", T0 - DAY, T0 + DAY)).samples()).isEqualTo(1);
      }
    }
  }

  // ---------------------------------------------------------------- outage queries

  @Nested
  @DisplayName("Outage queries")
  class Outages {
    private void outage(String channel, long start) {
      ingest(fail(channel, start, Reason.DNS), fail(channel, start + 1, Reason.DNS), fail(channel, start + 2, Reason.DNS));
    }

    @Test
    @DisplayName("outages come newest first, filtered by channel, window and openness")
    void filters() {
      outage("api", T0);
      ingest(ok("api", T0 + 100));
      outage("api", T0 + 1_000);
      outage("db", T0 + 500);
      List<Outage> all = await(store.outages(OutageQuery.all()));
      assertThat(all).extracting(Outage::firstFailureAt).containsExactly(T0 + 1_000, T0 + 500, T0);
      assertThat(await(store.outages(new OutageQuery("api", 0, Long.MAX_VALUE, null, 100)))).hasSize(2);
      assertThat(await(store.outages(new OutageQuery(null, 0, Long.MAX_VALUE, true, 100))))
          .extracting(Outage::firstFailureAt).containsExactly(T0 + 1_000, T0 + 500);
      assertThat(await(store.outages(new OutageQuery(null, 0, Long.MAX_VALUE, false, 100))))
          .extracting(Outage::firstFailureAt).containsExactly(T0);
      assertThat(await(store.outages(new OutageQuery(null, T0 + 500, T0 + 1_000, null, 100))))
          .extracting(Outage::channelId).containsExactly("db");
      assertThat(await(store.outages(new OutageQuery(null, 0, Long.MAX_VALUE, null, 1)))).hasSize(1);
    }

    @Test
    @DisplayName("an outage is found by id, and an unknown id finds nothing")
    void byId() {
      outage("api", T0);
      Outage o = outagesOf("api").get(0);
      assertThat(await(store.outage(o.id()))).contains(o);
      assertThat(await(store.outage("01UNKNOWN0000000000000000"))).isEmpty();
    }

    @Test
    @DisplayName("outage ids are unique and sort by time")
    void idsSortByTime() {
      for (int i = 0; i < 5; i++) {
        outage("api", T0 + i * 10_000L);
        ingest(ok("api", T0 + i * 10_000L + 5_000));
      }
      List<String> ids = outagesOf("api").stream().map(Outage::id).toList();
      assertThat(ids).doesNotHaveDuplicates();
      List<String> sorted = new ArrayList<>(ids);
      sorted.sort(java.util.Comparator.reverseOrder());
      assertThat(ids).containsExactlyElementsOf(sorted);
    }
  }

  // ---------------------------------------------------------------- watches

  @Nested
  @DisplayName("Watch sessions")
  class Watches {
    @Test
    @DisplayName("a started watch is current and gathers statistics of its channels")
    void currentWatchStats() {
      WatchSession w = await(store.startWatch(3_600_000, List.of("api", "db")));
      assertThat(w.startedAt()).isEqualTo(T0);
      assertThat(w.endsAt()).isEqualTo(T0 + 3_600_000);
      assertThat(w.endedAt()).isNull();
      assertThat(w.channels()).containsExactly("api", "db");
      ingest(ok("api", T0 + 1, 40L), ok("api", T0 + 2, 95L), fail("api", T0 + 3, Reason.HTTP), ok("web", T0 + 4),
          ok("api", T0 - 1, 1L));
      WatchSession current = await(store.currentWatch()).orElseThrow();
      assertThat(current.id()).isEqualTo(w.id());
      assertThat(current.stats()).containsOnlyKeys("api", "db");
      WatchChannelStats api = current.stats().get("api");
      assertThat(api.samples()).isEqualTo(3);
      assertThat(api.successes()).isEqualTo(2);
      assertThat(api.failures()).isEqualTo(1);
      assertThat(api.availability()).isCloseTo(0.6667, within(1e-9));
      assertThat(api.latencyP50()).isEqualTo(40L);
      assertThat(api.latencyP95()).isEqualTo(95L);
      assertThat(api.outages()).isZero();
      assertThat(current.stats().get("db").samples()).isZero();
      assertThat(current.stats().get("db").availability()).isNull();
    }

    @Test
    @DisplayName("a watch without channels covers every channel and counts outages")
    void everyChannel() {
      ingest(ok("a", T0 - 10), ok("b", T0 - 10));
      await(store.startWatch(60_000, List.of()));
      ingest(fail("a", T0 + 1, null), fail("a", T0 + 2, null), fail("a", T0 + 3, null));
      WatchSession current = await(store.currentWatch()).orElseThrow();
      assertThat(current.stats()).containsOnlyKeys("a", "b");
      assertThat(current.stats().get("a").outages()).isEqualTo(1);
    }

    @Test
    @DisplayName("only one watch can be active")
    void conflict() {
      await(store.startWatch(60_000, List.of()));
      assertThatThrownBy(() -> await(store.startWatch(60_000, List.of())))
          .isInstanceOf(StorageException.class)
          .satisfies(e -> assertThat(((StorageException) e).code()).isEqualTo(ErrorCode.CONFLICT));
    }

    @Test
    @DisplayName("stopping archives the watch with its final statistics")
    void stop() {
      WatchSession w = await(store.startWatch(60_000, List.of("api")));
      ingest(ok("api", T0 + 5));
      clock.advance(10_000);
      WatchSession ended = await(store.stopWatch()).orElseThrow();
      assertThat(ended.id()).isEqualTo(w.id());
      assertThat(ended.endedAt()).isEqualTo(T0 + 10_000);
      assertThat(ended.stats().get("api").samples()).isEqualTo(1);
      assertThat(await(store.currentWatch())).isEmpty();
      assertThat(await(store.watches(10))).containsExactly(ended);
      assertThat(await(store.stopWatch())).isEmpty();
    }

    @Test
    @DisplayName("a watch ends by itself at its planned end")
    void endsByItself() {
      WatchSession w = await(store.startWatch(60_000, List.of()));
      clock.advance(60_000);
      assertThat(await(store.currentWatch())).isEmpty();
      List<WatchSession> history = await(store.watches(10));
      assertThat(history).hasSize(1);
      assertThat(history.get(0).id()).isEqualTo(w.id());
      assertThat(history.get(0).endedAt()).isEqualTo(T0 + 60_000);
      // a new one may start now
      assertThat(await(store.startWatch(1_000, List.of())).active()).isTrue();
    }

    @Test
    @DisplayName("watch start and end reach listeners")
    void watchEvents() {
      events.clear();
      await(store.startWatch(60_000, List.of()));
      await(store.stopWatch());
      List<WatchSession> watches = events.stream()
          .filter(e -> e instanceof StoreEvent.WatchChanged)
          .map(e -> ((StoreEvent.WatchChanged) e).watch()).toList();
      assertThat(watches).extracting(WatchSession::active).containsExactly(true, false);
    }

    @Test
    @DisplayName("the history is newest first and keeps the last 50")
    void historyBound() {
      for (int i = 0; i < 52; i++) {
        await(store.startWatch(1_000, List.of()));
        clock.advance(10);
        await(store.stopWatch());
      }
      List<WatchSession> history = await(store.watches(100));
      assertThat(history).hasSize(50);
      assertThat(history.get(0).startedAt()).isGreaterThan(history.get(49).startedAt());
      assertThat(await(store.watches(3))).hasSize(3);
    }
  }

  // ---------------------------------------------------------------- custom values

  @Nested
  @DisplayName("Custom values")
  class Custom {
    @Test
    @DisplayName("a value is stored, replaced and deleted")
    void lifecycle() {
      await(store.putCustom("layout", "{\"a\":[1,2,{\"b\":null}],\"t\":\"ü ✓\"}"));
      assertThat(await(store.custom("layout"))).contains("{\"a\":[1,2,{\"b\":null}],\"t\":\"ü ✓\"}");
      await(store.putCustom("layout", "42"));
      assertThat(await(store.custom("layout"))).contains("42");
      assertThat(await(store.deleteCustom("layout"))).isTrue();
      assertThat(await(store.custom("layout"))).isEmpty();
      assertThat(await(store.deleteCustom("layout"))).isFalse();
    }

    @Test
    @DisplayName("a value of a megabyte is kept whole")
    void large() {
      String big = "\"" + "x".repeat(1024 * 1024 - 2) + "\"";
      await(store.putCustom("big", big));
      assertThat(await(store.custom("big"))).contains(big);
    }
  }

  // ---------------------------------------------------------------- deletion and retention

  @Nested
  @DisplayName("Deletion and retention")
  class Deletion {
    @Test
    @DisplayName("deleting a channel removes its samples and outages, and only those")
    void deleteChannel() {
      ingest(fail("api", T0, null), fail("api", T0 + 1, null), fail("api", T0 + 2, null), ok("db", T0));
      assertThat(await(store.deleteChannel("api"))).isTrue();
      assertThat(await(store.channel("api"))).isEmpty();
      assertThat(all("api")).isEmpty();
      assertThat(outagesOf("api")).isEmpty();
      assertThat(all("db")).hasSize(1);
      assertThat(await(store.deleteChannel("api"))).isFalse();
    }

    @Test
    @DisplayName("a deleted channel starts afresh when samples come again")
    void afterDeletion() {
      ingest(fail("api", T0, null), fail("api", T0 + 1, null), fail("api", T0 + 2, null));
      await(store.deleteChannel("api"));
      IngestResult r = ingest(ok("api", T0));
      assertThat(r.accepted()).isEqualTo(1);
      ChannelState c = channel("api");
      assertThat(c.sampleCount()).isEqualTo(1);
      assertThat(c.state()).isEqualTo(ChannelStatus.ONLINE);
    }

    @Test
    @DisplayName("retention drops samples before the cutoff and keeps the rest and the states")
    void retention() {
      long day = 24 * 3_600_000L;
      ingest(ok("api", T0 - 40 * day), ok("api", T0 - 35 * day), ok("api", T0 - day), ok("api", T0));
      var result = await(store.applyRetention(T0 - 30 * day));
      assertThat(result.cutoff()).isEqualTo(T0 - 30 * day);
      assertThat(all("api")).extracting(Sample::timestamp).containsExactly(T0 - day, T0);
      assertThat(channel("api").lastSampleAt()).isEqualTo(T0);
    }
  }

  // ---------------------------------------------------------------- bounded memory

  @Nested
  @DisplayName("Bounded memory")
  class Bounded {
    @Test
    @DisplayName("the cache keeps at most the configured samples per channel")
    void sampleCache() {
      List<Sample> many = IntStream.range(0, 1_500).mapToObj(i -> ok("api", T0 + i)).toList();
      await(store.ingest(many));
      StoreHealth h = await(store.health());
      assertThat(h.cache().samples()).isLessThanOrEqualTo(options.getMaxCachedSamplesPerChannel());
      assertThat(h.cache().maxSamplesPerChannel()).isEqualTo(1_000);
      assertThat(all("api")).hasSize(persistent() ? 1_500 : 1_000);
      // the newest samples are always there
      assertThat(await(store.samples("api", new SampleQuery(0, Long.MAX_VALUE, 1, SortOrder.DESC))))
          .extracting(Sample::timestamp).containsExactly(T0 + 1_499);
    }

    @Test
    @DisplayName("the cache keeps at most 500 outages, and open ones are never dropped")
    void outageCache() {
      await(store.close());
      options.setOutageThreshold(1);
      store = await(open(vertx, options));
      List<Sample> batch = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        batch.add(fail("api", T0 + 2L * i, null));
        batch.add(ok("api", T0 + 2L * i + 1));
      }
      batch.add(fail("api", T0 + 5_000, Reason.TLS));
      await(store.ingest(batch));
      StoreHealth h = await(store.health());
      assertThat(h.cache().outages()).isLessThanOrEqualTo(500);
      String open = channel("api").openOutageId();
      assertThat(await(store.outage(open))).isPresent();
      assertThat(await(store.outages(new OutageQuery(null, 0, Long.MAX_VALUE, true, 10)))).hasSize(1);
      int expected = persistent() ? 601 : 500;
      assertThat(await(store.outages(new OutageQuery(null, 0, Long.MAX_VALUE, null, 10_000)))).hasSize(expected);
    }
  }

  // ---------------------------------------------------------------- reopen

  @Nested
  @DisplayName("Restore (backups, migration, legacy import)")
  class Restore {
    private final Outage open = new Outage(Ids.derived(T0 - 3 * MINUTE, "r1", "open"), "r1", T0 - 3 * MINUTE,
        T0 - MINUTE, null, null, 3, Reason.TIMEOUT);
    private final Outage closed = new Outage(Ids.derived(T0 - 90 * MINUTE, "r1", "closed"), "r1",
        T0 - 90 * MINUTE, T0 - 88 * MINUTE, T0 - 80 * MINUTE, 10 * MINUTE, 4, null);
    private final ChannelState state = new ChannelState("r1", ChannelStatus.OFFLINE, T0 - MINUTE, false, null, 3,
        T0 - MINUTE, 3, open.id(), T0 - 3 * MINUTE, Reason.TIMEOUT);
    private final List<Sample> samples = List.of(fail("r1", T0 - 3 * MINUTE, Reason.TIMEOUT),
        new Sample("r1", T0 - 2 * MINUTE, false, 5L, Reason.TIMEOUT, "slow", "probe-b"),
        fail("r1", T0 - MINUTE, Reason.TIMEOUT));
    private final WatchSession older = new WatchSession(Ids.derived(T0 - 600 * MINUTE, "w"), T0 - 600 * MINUTE,
        T0 - 540 * MINUTE, T0 - 550 * MINUTE, List.of("r1"),
        Map.of("r1", new WatchChannelStats(10, 9, 1, 0.9, 12L, 40L, 0)));
    private final WatchSession newer = new WatchSession(Ids.derived(T0 - 300 * MINUTE, "w"), T0 - 300 * MINUTE,
        T0 - 240 * MINUTE, T0 - 240 * MINUTE, List.of(), Map.of());
    private final WatchSession active = new WatchSession(Ids.derived(T0 - MINUTE, "w"), T0 - MINUTE,
        T0 + 60 * MINUTE, null, List.of("r1"), Map.of());

    private RestoreBatch everything() {
      return new RestoreBatch(List.of(state), samples, List.of(closed, open), List.of(older, newer, active),
          Map.of("layout", "{\"columns\":3}"));
    }

    private void assertRestored() {
      assertThat(channel("r1")).isEqualTo(state);
      assertThat(all("r1")).containsExactlyElementsOf(samples);
      assertThat(outagesOf("r1")).containsExactly(open, closed);
      assertThat(await(store.outage(open.id()))).contains(open);
      assertThat(await(store.watches(10))).containsExactly(newer, older);
      assertThat(await(store.currentWatch())).map(WatchSession::id).contains(active.id());
      assertThat(await(store.custom("layout"))).contains("{\"columns\":3}");
    }

    @Test
    @DisplayName("restored records are stored as given: samples without rules, states, outages and watches with their ids")
    void asGiven() {
      assertThat(await(store.restore(everything()))).isEqualTo(3);
      assertRestored();
      assertThat(events).isEmpty();
      reopen();
      assertRestored();
    }

    @Test
    @DisplayName("restoring the same records twice doubles nothing")
    void twice() {
      await(store.restore(everything()));
      assertThat(await(store.restore(everything()))).isZero();
      assertRestored();
      reopen();
      assertThat(await(store.restore(RestoreBatch.ofSamples(samples)))).isZero();
      assertRestored();
    }

    @Test
    @DisplayName("samples restored in pages after their channel's state are each stored once")
    void pagesAfterState() {
      await(store.restore(RestoreBatch.ofChannels(List.of(state))));
      assertThat(await(store.restore(RestoreBatch.ofSamples(samples.subList(0, 2))))).isEqualTo(2);
      assertThat(await(store.restore(RestoreBatch.ofSamples(samples)))).isEqualTo(1);
      assertThat(all("r1")).containsExactlyElementsOf(samples);
    }

    @Test
    @DisplayName("ingestion goes on from a restored state: the restored open outage closes")
    void ingestAfterRestore() {
      await(store.restore(everything()));
      ingest(ok("r1", T0));
      assertThat(await(store.outage(open.id()))).map(Outage::recoveredAt).contains(T0);
      assertThat(channel("r1").state()).isEqualTo(ChannelStatus.ONLINE);
      assertThat(channel("r1").sampleCount()).isEqualTo(4);
    }

    @Test
    @DisplayName("a restored active watch conflicts with another active watch")
    void activeConflict() {
      await(store.startWatch(60_000, List.of()));
      assertThatThrownBy(() -> await(store.restore(RestoreBatch.ofWatches(List.of(active)))))
          .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
    }
  }

  @Nested
  @DisplayName("Close and reopen")
  class Reopen {
    @Test
    @DisplayName("everything acknowledged is there after close and reopen")
    void everythingSurvives() {
      ingest(ok("api", T0, 12L), fail("db", T0, Reason.TCP), fail("db", T0 + 1, Reason.TCP), fail("db", T0 + 2, Reason.TCP));
      ingest(fail("web", T0, null), fail("web", T0 + 1, null), fail("web", T0 + 2, null), ok("web", T0 + 3));
      WatchSession archived = await(store.startWatch(60_000, List.of("api")));
      clock.advance(1_000);
      archived = await(store.stopWatch()).orElseThrow();
      WatchSession active = await(store.startWatch(600_000, List.of()));
      await(store.putCustom("k", "{\"v\":1}"));
      List<ChannelState> channels = await(store.channels());
      List<Outage> outages = await(store.outages(OutageQuery.all()));
      List<Sample> dbSamples = all("db");

      reopen();

      assertThat(await(store.channels())).containsExactlyElementsOf(channels);
      assertThat(await(store.outages(OutageQuery.all()))).containsExactlyElementsOf(outages);
      assertThat(all("db")).containsExactlyElementsOf(dbSamples);
      assertThat(await(store.watches(10))).containsExactly(archived);
      assertThat(await(store.currentWatch())).map(WatchSession::id).contains(active.id());
      assertThat(await(store.custom("k"))).contains("{\"v\":1}");
    }

    @Test
    @DisplayName("an open outage goes on after reopen and closes with the right duration")
    void outageContinues() {
      ingest(fail("api", T0, Reason.DNS), fail("api", T0 + 1, Reason.DNS), fail("api", T0 + 2, Reason.DNS));
      String id = channel("api").openOutageId();
      reopen();
      ingest(fail("api", T0 + 3, Reason.DNS), ok("api", T0 + 10));
      Outage o = await(store.outage(id)).orElseThrow();
      assertThat(o.failureCount()).isEqualTo(4);
      assertThat(o.actualDuration()).isEqualTo(10);
    }

    @Test
    @DisplayName("deletions and retention stay done after reopen")
    void removalsSurvive() {
      ingest(ok("gone", T0), ok("kept", T0 - 50 * 86_400_000L), ok("kept", T0));
      await(store.putCustom("x", "1"));
      await(store.deleteChannel("gone"));
      await(store.deleteCustom("x"));
      await(store.applyRetention(T0 - 30 * 86_400_000L));
      reopen();
      assertThat(await(store.channel("gone"))).isEmpty();
      assertThat(all("gone")).isEmpty();
      assertThat(await(store.custom("x"))).isEmpty();
      assertThat(all("kept")).extracting(Sample::timestamp).containsExactly(T0);
    }

    @Test
    @DisplayName("a watch whose end passed while the store was closed is archived at its end")
    void watchEndsWhileClosed() {
      WatchSession w = await(store.startWatch(60_000, List.of()));
      clock.advance(120_000);
      reopen();
      assertThat(await(store.currentWatch())).isEmpty();
      assertThat(await(store.watches(10))).extracting(WatchSession::id, WatchSession::endedAt)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(w.id(), T0 + 60_000));
    }

    @Test
    @DisplayName("many batches survive a reopen exactly once each")
    void manyBatches() {
      Map<String, Integer> expected = new java.util.TreeMap<>();
      for (int b = 0; b < 30; b++) {
        List<Sample> batch = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          String ch = "c" + (i % 7);
          batch.add(ok(ch, T0 + b * 100L + i));
          expected.merge(ch, 1, Integer::sum);
        }
        await(store.ingest(batch));
      }
      reopen();
      Map<String, Integer> actual = await(store.channels()).stream()
          .collect(Collectors.toMap(ChannelState::channelId, c -> all(c.channelId()).size(), (a, b) -> a, java.util.TreeMap::new));
      assertThat(actual).isEqualTo(expected);
    }
  }
  // ---------------------------------------------------------------- audit trail and paging (audit-export)

  @Nested
  @DisplayName("Audit trail")
  class AuditTrail {
    private AuditRecord record(long time, String action, String target) {
      return new AuditRecord(time, "sha256:0123456789ab", action, target, "detail of " + target);
    }

    @Test
    @DisplayName("an acknowledged audit record is readable with every field, newest first")
    void roundTrip() {
      await(store.audit(record(T0, AuditRecord.CHANNEL_DELETE, "api")));
      await(store.audit(record(T0 + 1, AuditRecord.CUSTOM_PUT, "k")));
      await(store.audit(new AuditRecord(T0 + 2, AuditRecord.SYSTEM, AuditRecord.RETENTION_RUN, "", null)));
      assertThat(await(store.auditLog(0, Long.MAX_VALUE, 100))).containsExactly(
          new AuditRecord(T0 + 2, AuditRecord.SYSTEM, AuditRecord.RETENTION_RUN, "", null),
          record(T0 + 1, AuditRecord.CUSTOM_PUT, "k"),
          record(T0, AuditRecord.CHANNEL_DELETE, "api"));
    }

    @Test
    @DisplayName("the audit window is from inclusive, to exclusive, and the limit keeps the newest")
    void windowAndLimit() {
      for (int i = 0; i < 10; i++) {
        await(store.audit(record(T0 + i * 1_000L, AuditRecord.WATCH_START, "w" + i)));
      }
      assertThat(await(store.auditLog(T0 + 2_000, T0 + 5_000, 100))).extracting(AuditRecord::target)
          .containsExactly("w4", "w3", "w2");
      assertThat(await(store.auditLog(0, Long.MAX_VALUE, 3))).extracting(AuditRecord::target)
          .containsExactly("w9", "w8", "w7");
      assertThat(await(store.auditLog(T0 + 20_000, Long.MAX_VALUE, 100))).isEmpty();
    }

    @Test
    @DisplayName("records at the same time come newest appended first")
    void sameTime() {
      await(store.audit(record(T0, AuditRecord.WATCH_START, "first")));
      await(store.audit(record(T0, AuditRecord.WATCH_STOP, "second")));
      assertThat(await(store.auditLog(0, Long.MAX_VALUE, 100))).extracting(AuditRecord::target)
          .containsExactly("second", "first");
    }

    @Test
    @DisplayName("concurrent audit records are all kept, each once")
    void concurrent() {
      List<Future<Void>> writes = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        writes.add(store.audit(record(T0 + i, AuditRecord.AUTH_REFUSED, "GET /x" + i)));
      }
      await(Future.all(writes));
      assertThat(await(store.auditLog(0, Long.MAX_VALUE, 1_000))).extracting(AuditRecord::target)
          .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 200).mapToObj(i -> "GET /x" + i).toList());
    }

    @Test
    @DisplayName("the audit trail survives a reopen")
    void survivesReopen() {
      await(store.audit(record(T0, AuditRecord.CUSTOM_DELETE, "k")));
      reopen();
      await(store.audit(record(T0 + 1, AuditRecord.CUSTOM_PUT, "k")));
      assertThat(await(store.auditLog(0, Long.MAX_VALUE, 100))).containsExactly(
          record(T0 + 1, AuditRecord.CUSTOM_PUT, "k"), record(T0, AuditRecord.CUSTOM_DELETE, "k"));
    }
  }

  @Nested
  @DisplayName("Paging a window with a cursor")
  class Paging {
    /** Every page of a window, read with the cursor of the previous page's last sample. */
    private List<Sample> pages(String channel, SampleQuery first) {
      List<Sample> out = new ArrayList<>();
      SampleQuery q = first;
      while (true) {
        List<Sample> page = await(store.samples(channel, q));
        assertThat(page.size()).isLessThanOrEqualTo(first.limit());
        out.addAll(page);
        if (page.size() < q.limit()) {
          return out;
        }
        q = q.next(page.get(page.size() - 1));
      }
    }

    private List<Sample> reversed(List<Sample> list) {
      List<Sample> out = new ArrayList<>(list);
      java.util.Collections.reverse(out);
      return out;
    }

    private List<Sample> ties(int timestamps, int probes) {
      List<Sample> batch = new ArrayList<>();
      for (int t = 0; t < timestamps; t++) {
        for (int p = probes - 1; p >= 0; p--) {
          batch.add(new Sample("paged", T0 + t, t % 5 != 0, (long) t, null, null, "p" + p));
        }
      }
      return batch;
    }

    @Test
    @DisplayName("pages of a window with ties on timestamp hold every sample once, in order")
    void ascendingAndDescending() {
      List<Sample> all = ties(40, 3);
      await(store.ingest(all));
      List<Sample> ascending = all.stream().sorted(SampleQuery.TIME_ORDER).toList();
      assertThat(pages("paged", new SampleQuery(0, Long.MAX_VALUE, 7, SortOrder.ASC))).containsExactlyElementsOf(ascending);
      assertThat(pages("paged", new SampleQuery(0, Long.MAX_VALUE, 7, SortOrder.DESC)))
          .containsExactlyElementsOf(reversed(ascending));
      assertThat(pages("paged", new SampleQuery(T0 + 10, T0 + 20, 4, SortOrder.ASC)))
          .containsExactlyElementsOf(ascending.stream().filter(s -> s.timestamp() >= T0 + 10 && s.timestamp() < T0 + 20).toList());
    }

    @Test
    @DisplayName("a cursor continues after the given sample, never repeating it")
    void cursor() {
      await(store.ingest(ties(3, 2)));
      SampleQuery q = new SampleQuery(0, Long.MAX_VALUE, 100, SortOrder.ASC, T0 + 1, "p0");
      assertThat(await(store.samples("paged", q))).extracting(Sample::timestamp, Sample::probeId).containsExactly(
          org.assertj.core.groups.Tuple.tuple(T0 + 1, "p1"), org.assertj.core.groups.Tuple.tuple(T0 + 2, "p0"),
          org.assertj.core.groups.Tuple.tuple(T0 + 2, "p1"));
      SampleQuery d = new SampleQuery(0, Long.MAX_VALUE, 100, SortOrder.DESC, T0 + 1, "p1");
      assertThat(await(store.samples("paged", d))).extracting(Sample::timestamp, Sample::probeId).containsExactly(
          org.assertj.core.groups.Tuple.tuple(T0 + 1, "p0"), org.assertj.core.groups.Tuple.tuple(T0, "p1"),
          org.assertj.core.groups.Tuple.tuple(T0, "p0"));
    }

    @Test
    @DisplayName("paging reads history beyond the cache, every sample once")
    void beyondCache() {
      assumeTrue(persistent(), "only persistent backends keep history beyond the cache");
      List<Sample> all = ties(1_500, 2);
      for (int i = 0; i < all.size(); i += 500) {
        await(store.ingest(all.subList(i, i + 500)));
      }
      List<Sample> ascending = all.stream().sorted(SampleQuery.TIME_ORDER).toList();
      assertThat(pages("paged", new SampleQuery(0, Long.MAX_VALUE, 333, SortOrder.ASC))).containsExactlyElementsOf(ascending);
      assertThat(pages("paged", new SampleQuery(0, Long.MAX_VALUE, 1_000, SortOrder.DESC)))
          .containsExactlyElementsOf(reversed(ascending));
    }
  }

  // ---------------------------------------------------------------- end of audit trail and paging
}
