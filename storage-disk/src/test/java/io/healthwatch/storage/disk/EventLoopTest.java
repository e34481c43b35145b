package io.healthwatch.storage.disk;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Promise 7: file work never runs on an event loop, so Vert.x never warns of a blocked one. */
class EventLoopTest {

  @Test
  @DisplayName("ingesting and querying from an event loop under load never blocks it")
  void noBlockedEventLoop(@TempDir Path dir) throws Exception {
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getMessage() != null && r.getMessage().contains("has been blocked")) {
          warnings.add(r.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger root = Logger.getLogger("");
    root.addHandler(capture);
    Vertx vertx = Vertx.vertx(new VertxOptions().setBlockedThreadCheckInterval(20)
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
        .setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS));
    try {
      ScalingTest.CountingFileOps files = new ScalingTest.CountingFileOps();
      HealthStore store = TestSupport.await(DiskStore.open(vertx, TestSupport.options(dir).setFileOps(files)
          .setSegmentBytes(256 * 1024).setSnapshotIntervalBytes(128 * 1024)));
      List<Future<?>> all = new CopyOnWriteArrayList<>();
      Future<Void> load = Future.future(p -> vertx.runOnContext(v -> submit(vertx, store, all, 0, p)));
      TestSupport.await(load);
      TestSupport.await(Future.all(all));
      assertThat(files.onEventLoop.get()).as("file operations run on an event-loop thread").isZero();
      // Reads raced with the writes above; this one surely goes to disk (the cache holds 1,000 of 6,000).
      // (Statistics no longer do: they come from the rollups and the cached edges.)
      Future<?> lastRead = Future.future(p -> vertx.runOnContext(v -> store.samples("c0",
          new SampleQuery(0, Long.MAX_VALUE, 1_000, SortOrder.ASC)).<Void>mapEmpty().onComplete(p)));
      TestSupport.await(lastRead);
      assertThat(files.bytesRead.get()).isPositive();
      // Sealed segments were compressed in the background meanwhile; whatever is left is done now.
      TestSupport.await(((DiskStore) store).compactNow());
      assertThat((int) TestSupport.await(store.health()).details().get("compressedSegments")).isPositive();
      assertThat(files.onEventLoop.get()).as("file operations run on an event-loop thread").isZero();
      TestSupport.await(store.close());
    } finally {
      TestSupport.await(vertx.close());
      root.removeHandler(capture);
    }
    assertThat(warnings).isEmpty();
  }

  /** Submits writes and reads from the event loop in small steps, as request handlers would. */
  private static void submit(Vertx vertx, HealthStore store, List<Future<?>> all, int w,
      io.vertx.core.Promise<Void> done) {
    if (w == 3_000) {
      done.complete();
      return;
    }
    List<Sample> batch = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      batch.add(TestSupport.sample("c" + (w % 5), TestSupport.T0 + w * 100L + i, w % 9 != 0));
    }
    all.add(store.ingest(batch));
    if (w % 10 == 0) {
      all.add(store.samples("c" + (w % 5), new SampleQuery(0, Long.MAX_VALUE, 500, SortOrder.DESC)));
      all.add(store.stats("c" + (w % 5), 0, Long.MAX_VALUE));
      all.add(store.health());
      all.add(store.outages(io.healthwatch.core.storage.OutageQuery.all()));
    }
    vertx.runOnContext(v -> submit(vertx, store, all, w + 1, done));
  }
}
