package io.healthwatch.storage.disk;

import static io.healthwatch.storage.disk.TestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.memory.InMemoryStore;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.core.storage.StoreOptions;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the same random operations against the disk store (tiny segments, cache and snapshot
 * interval, so every disk path is taken, reopened now and then, sealed segments compressed in the
 * background and on demand) and the in-memory reference
 * store (bounds large enough to keep everything), and compares every answer.
 */
@ExtendWith(VertxExtension.class)
class DifferentialTest {
  @TempDir
  Path dir;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6})
  @DisplayName("the disk store answers every operation as the in-memory reference does, across restarts")
  void matchesReference(long seed, Vertx vertx) {
    Random rnd = new Random(seed);
    TestSupport.MutableClock clock = new TestSupport.MutableClock(TestSupport.T0);
    StoreOptions refOptions = new StoreOptions().setClock(clock).setMaxCachedSamplesPerChannel(1_000_000)
        .setMaxCachedOutages(1_000_000).setOutageThreshold(2);
    HealthStore ref = new InMemoryStore(vertx, refOptions);
    DiskStoreOptions diskOptions = TestSupport.options(dir).setSegmentBytes(4096).setSnapshotIntervalBytes(3000)
        .setStoreOptions(new StoreOptions(refOptions).setMaxCachedSamplesPerChannel(7).setMaxCachedOutages(2));
    HealthStore disk = TestSupport.open(vertx, diskOptions);
    String[] channels = {"a", "b", "c", "d"};
    for (int step = 0; step < 600; step++) {
      int op = rnd.nextInt(100);
      if (op < 50) {
        List<Sample> batch = new ArrayList<>();
        int n = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 40 : 4);
        for (int i = 0; i < n; i++) {
          String c = channels[rnd.nextInt(channels.length)];
          long ts = TestSupport.T0 + rnd.nextInt(400) * 1000L;
          boolean ok = rnd.nextInt(3) > 0;
          batch.add(new Sample(c, ts, ok, rnd.nextBoolean() ? (long) rnd.nextInt(500) : null,
              ok ? null : Reason.values()[rnd.nextInt(Reason.values().length)], null, "p" + rnd.nextInt(2)));
        }
        IngestResult a = await(ref.ingest(batch));
        IngestResult b = await(disk.ingest(batch));
        assertThat(b).as("ingest at step %d", step).isEqualTo(a);
      } else if (op < 70) {
        String c = channels[rnd.nextInt(channels.length)];
        long from = TestSupport.T0 + rnd.nextInt(400) * 1000L - 50_000;
        long to = from + rnd.nextInt(300_000);
        SampleQuery q = new SampleQuery(from, to, 1 + rnd.nextInt(30), rnd.nextBoolean() ? SortOrder.ASC : SortOrder.DESC);
        if (rnd.nextInt(4) == 0) {
          q = new SampleQuery(0, Long.MAX_VALUE, 1 + rnd.nextInt(100), SortOrder.DESC);
        }
        assertThat(await(disk.samples(c, q))).as("samples %s at step %d", q, step).isEqualTo(await(ref.samples(c, q)));
        assertThat(await(disk.stats(c, from, to))).isEqualTo(await(ref.stats(c, from, to)));
      } else if (op < 75) {
        assertThat(await(disk.channels())).isEqualTo(await(ref.channels()));
        OutageQuery q = new OutageQuery(rnd.nextBoolean() ? null : channels[rnd.nextInt(4)], 0, Long.MAX_VALUE,
            rnd.nextInt(3) == 0 ? null : rnd.nextBoolean(), 1 + rnd.nextInt(50));
        assertThat(await(disk.outages(q))).as("outages %s", q).isEqualTo(await(ref.outages(q)));
        for (var o : await(ref.outages(OutageQuery.all()))) {
          assertThat(await(disk.outage(o.id()))).contains(o);
        }
      } else if (op < 80) {
        String key = "k" + rnd.nextInt(3);
        if (rnd.nextBoolean()) {
          String v = "{\"v\":" + rnd.nextInt(100) + "}";
          await(ref.putCustom(key, v));
          await(disk.putCustom(key, v));
        } else {
          assertThat(await(disk.deleteCustom(key))).isEqualTo(await(ref.deleteCustom(key)));
        }
        assertThat(await(disk.custom(key))).isEqualTo(await(ref.custom(key)));
      } else if (op < 83) {
        String c = channels[rnd.nextInt(channels.length)];
        assertThat(await(disk.deleteChannel(c))).isEqualTo(await(ref.deleteChannel(c)));
      } else if (op < 85) {
        long cutoff = TestSupport.T0 + rnd.nextInt(200) * 1000L;
        assertThat(await(disk.applyRetention(cutoff))).as("retention at step %d", step)
            .isEqualTo(await(ref.applyRetention(cutoff)));
      } else if (op < 92) {
        clock.millis += rnd.nextInt(20_000);
        int w = rnd.nextInt(3);
        if (w == 0) {
          long duration = 1_000 + rnd.nextInt(60_000);
          List<String> watched = rnd.nextBoolean() ? List.of() : List.of(channels[rnd.nextInt(4)]);
          boolean refOk = tryStart(ref, duration, watched);
          assertThat(tryStart(disk, duration, watched)).isEqualTo(refOk);
        } else if (w == 1) {
          assertThat(withoutId(await(disk.stopWatch()))).isEqualTo(withoutId(await(ref.stopWatch())));
        } else {
          assertThat(withoutId(await(disk.currentWatch()))).isEqualTo(withoutId(await(ref.currentWatch())));
          assertThat(await(disk.watches(50)).stream().map(x -> withoutId(Optional.of(x))).toList())
              .isEqualTo(await(ref.watches(50)).stream().map(x -> withoutId(Optional.of(x))).toList());
        }
      } else if (op < 95) {
        await(disk.close());
        disk = TestSupport.open(vertx, diskOptions);
      } else if (op < 97) {
        // Compress every sealed segment now (also done in the background); answers must not change.
        await(((DiskStore) disk).compactNow());
      } else {
        StoreHealth h = await(disk.health());
        assertThat(h.status()).as("health %s", h.problems()).isEqualTo(StoreHealth.Status.UP);
        assertThat(h.cache().samples()).isLessThanOrEqualTo(7L * channels.length);
        assertThat(h.cache().outages()).isLessThanOrEqualTo(2 + channels.length);
      }
    }
    for (String c : channels) {
      assertThat(TestSupport.all(disk, c)).isEqualTo(TestSupport.all(ref, c));
    }
    StoreHealth end = await(disk.health());
    assertThat((long) end.details().get("logEnd")).as("log written, many 4 KiB segments rolled").isGreaterThan(20_000);
    assertThat((int) end.details().get("compressedSegments")).as("sealed segments compressed").isPositive();
    await(disk.close());
    await(ref.close());
  }

  private static boolean tryStart(HealthStore store, long duration, List<String> channels) {
    Throwable t = TestSupport.failure(store.startWatch(duration, channels));
    if (t != null) {
      assertThat(t).isInstanceOf(StorageException.class);
    }
    return t == null;
  }

  private static Optional<WatchSession> withoutId(Optional<WatchSession> w) {
    return w.map(x -> new WatchSession("", x.startedAt(), x.endsAt(), x.endedAt(), x.channels(), x.stats()));
  }
}
