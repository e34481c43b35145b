package io.healthwatch.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StoreDump;
import io.healthwatch.storage.mysql.MySqlStore;
import io.healthwatch.storage.mysql.MySqlTestDatabase;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** backup, restore and migrate with MySQL on either side (HEALTHWATCH_TEST_MYSQL_URI). */
@ExtendWith(VertxExtension.class)
class MySqlCommandsTest {
  @TempDir
  Path dir;

  private MySqlTestDatabase db;
  private MySqlTestDatabase other;
  private Map<String, String> env;

  @BeforeEach
  void databases() {
    db = MySqlTestDatabase.create();
    other = MySqlTestDatabase.create();
    env = db.password() == null || db.password().isEmpty() ? Map.of()
        : Map.of("HEALTHWATCH_MYSQL_PASSWORD", db.password());
  }

  @AfterEach
  void drop() {
    // Null when no database was found and the test was skipped in databases().
    if (db != null) {
      db.close();
    }
    if (other != null) {
      other.close();
    }
  }

  private HealthStore openMySql(Vertx vertx, MySqlTestDatabase d) {
    return Run.await(MySqlStore.open(vertx, d.options()));
  }

  private Run run(String... args) {
    return Run.with(env, args);
  }

  @Test
  @DisplayName("a MySQL backup taken while ingesting is a consistent snapshot; it restores into disk and into MySQL alike")
  void backupRestoreAcrossBackends(Vertx vertx) throws Exception {
    HealthStore source = openMySql(vertx, db);
    Run.fill(source, 3, 600);
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer = new Thread(() -> {
      for (int i = 0; !stop.get() && i < 2_000; i++) {
        long t = Run.T0 + 600 * 60_000L + i * 1_000L;
        Run.await(source.ingest(List.of(new Sample("svc-0", t, true, 5L, null, null, "p"),
            new Sample("svc-2", t, i % 2 == 0, 5L, null, null, "p"))));
      }
    });
    writer.start();
    Path archive = dir.resolve("mysql.hwb");
    Run backup = run("backup", "--storage", "mysql", "--mysql-uri", db.uri(), "--to", archive.toString());
    stop.set(true);
    writer.join();
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    assertThat(backup.out()).contains("backup of the MySQL database mysql://");

    Path disk = dir.resolve("disk");
    Run toDisk = run("restore", "--data-dir", disk.toString(), "--from", archive.toString());
    assertThat(toDisk.exitCode()).as(toDisk.toString()).isZero();
    Run toMySql = run("restore", "--storage", "mysql", "--mysql-uri", other.uri(), "--from", archive.toString());
    assertThat(toMySql.exitCode()).as(toMySql.toString()).isZero();

    HealthStore restoredDisk = Run.openDisk(vertx, disk);
    HealthStore restoredMySql = openMySql(vertx, other);
    assertThat(Run.content(restoredMySql)).isEqualTo(Run.content(restoredDisk));
    for (ChannelState c : Run.await(restoredDisk.channels())) {
      List<Sample> got = Run.await(restoredDisk.samples(c.channelId(), new SampleQuery(Long.MIN_VALUE, Long.MAX_VALUE,
          SampleQuery.MAX_LIMIT, SortOrder.ASC)));
      assertThat(got).as("the state and samples of %s come from one snapshot", c.channelId()).hasSize((int) c.sampleCount());
    }
    for (HealthStore s : List.of(restoredDisk, restoredMySql, source)) {
      Run.await(s.close());
    }
  }

  @Test
  @DisplayName("migrate disk to MySQL and back: everything arrives, verified by counts and checksums")
  void roundTrip(Vertx vertx) {
    Path src = dir.resolve("src");
    HealthStore source = Run.openDisk(vertx, src);
    Run.fill(source, 4, 800);
    Map<String, Object> expected = Run.content(source);
    Run.await(source.close());

    Run there = run("migrate", "--from", src.toString(), "--to", db.uri());
    assertThat(there.exitCode()).as(there.toString()).isZero();
    assertThat(there.out()).contains("3200 samples written").contains("verified: {custom=2, watches=2, outages=")
        .contains("checksums equal");
    Path back = dir.resolve("back");
    Run home = run("migrate", "--from", db.uri(), "--to", back.toString());
    assertThat(home.exitCode()).as(home.toString()).isZero();

    HealthStore mysql = openMySql(vertx, db);
    HealthStore disk = Run.openDisk(vertx, back);
    assertThat(Run.content(mysql)).isEqualTo(expected);
    assertThat(Run.content(disk)).isEqualTo(expected);
    for (HealthStore migrated : List.of(mysql, disk)) {
      assertThat(Run.await(migrated.auditLog(0, Long.MAX_VALUE, 100))).as("the migration's audit record")
          .singleElement().satisfies(r -> {
            assertThat(r.action()).isEqualTo(io.healthwatch.core.model.AuditRecord.MIGRATE);
            assertThat(r.detail()).contains("3200 samples written");
          });
    }
    Run.await(mysql.close());
    Run.await(disk.close());
  }

  @Test
  @DisplayName("an interrupted migration is refused without --resume and finishes with it, each sample once")
  void resume(Vertx vertx) {
    Path src = dir.resolve("src");
    HealthStore source = Run.openDisk(vertx, src);
    Run.fill(source, 3, 9_000);
    Map<String, Object> expected = Run.content(source);
    Run.await(source.close());

    // A migration killed part-way: the destination holds the first channel and the state of the second.
    StoreDump dump = Run.await(io.healthwatch.storage.disk.DiskStore.dump(vertx,
        new io.healthwatch.storage.disk.DiskStoreOptions().setDataDir(src)));
    HealthStore target = openMySql(vertx, db);
    StoreCopy.Restorer restorer = new StoreCopy.Restorer(target);
    StoreCopy.Sink interrupted = new StoreCopy.Sink() {
      int pages;

      @Override
      public void custom(Map<String, String> values) {
        restorer.custom(values);
      }

      @Override
      public void watches(List<io.healthwatch.core.model.WatchSession> watches) {
        restorer.watches(watches);
      }

      @Override
      public void outages(List<io.healthwatch.core.model.Outage> outages) {
        restorer.outages(outages);
      }

      @Override
      public void channel(ChannelState state) {
        restorer.channel(state);
      }

      @Override
      public long samples(String channelId, List<Sample> samples) {
        if (++pages > 1) {
          throw new IllegalStateException("killed");
        }
        return restorer.samples(channelId, samples);
      }
    };
    try {
      StoreCopy.copy(dump, interrupted, new Progress(new PrintWriter(Writer.nullWriter()), "", "", 0), c -> null);
    } catch (IllegalStateException expectedKill) {
      // as if the process died here
    }
    Run.await(target.close());
    Run.await(dump.close());

    Run refused = run("migrate", "--from", src.toString(), "--to", db.uri());
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
    assertThat(refused.err()).contains("is not empty").contains("--resume");

    Run resumed = run("migrate", "--from", src.toString(), "--to", db.uri(), "--resume");
    assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
    assertThat(restorer.written).isEqualTo(9_000);
    assertThat(resumed.out()).contains("18000 samples written, 0 already there").contains("checksums equal");

    HealthStore mysql = openMySql(vertx, db);
    assertThat(Run.content(mysql)).isEqualTo(expected);
    Run.await(mysql.close());
  }
}
