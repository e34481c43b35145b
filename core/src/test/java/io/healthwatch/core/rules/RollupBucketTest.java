package io.healthwatch.core.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RollupBucketTest {
  @Test
  void everyLatencyFallsInABucketWithinTheErrorBound() {
    for (long v = 0; v <= 4_000_000; v += (v < 5_000 ? 1 : 997)) {
      int i = LatencyHistogram.index(v);
      assertThat(LatencyHistogram.lowerBound(i)).isLessThanOrEqualTo(v);
      assertThat(Math.abs(LatencyHistogram.representative(i) - v)).isLessThanOrEqualTo(LatencyHistogram.errorBound(v));
      assertThat(LatencyHistogram.errorBound(v)).isLessThanOrEqualTo(v / 256);
    }
  }

  @Test
  void mergedBucketsGiveTheSamePercentilesAsOne() {
    Random rnd = new Random(7);
    RollupBucket whole = RollupBucket.accumulator();
    RollupBucket merged = RollupBucket.accumulator();
    long[] all = new long[5_000];
    for (int part = 0; part < 10; part++) {
      RollupBucket b = new RollupBucket(part);
      for (int i = 0; i < 500; i++) {
        long v = rnd.nextInt(100_000);
        all[part * 500 + i] = v;
        b.add(true, v);
        whole.add(true, v);
      }
      merged.merge(b);
    }
    Arrays.sort(all);
    for (int p : new int[] {50, 95, 99}) {
      long exact = all[(int) Math.ceil(p / 100.0 * all.length) - 1];
      assertThat(merged.percentile(p)).isEqualTo(whole.percentile(p));
      assertThat(Math.abs(merged.percentile(p) - exact)).isLessThanOrEqualTo(LatencyHistogram.errorBound(exact));
    }
    assertThat(merged.latencyMin()).isEqualTo(all[0]);
    assertThat(merged.latencyMax()).isEqualTo(all[all.length - 1]);
  }

  @Test
  void countsBeyondOneEntryAreSplitNotLost() {
    RollupBucket a = new RollupBucket(0);
    RollupBucket b = new RollupBucket(0);
    for (int i = 0; i < LatencyHistogram.MAX_COUNT; i++) {
      a.add(true, 5L);
      b.add(false, 5L);
    }
    a.add(true, 9L);
    a.merge(b);
    assertThat(a.total()).isEqualTo(2L * LatencyHistogram.MAX_COUNT + 1);
    assertThat(a.percentile(99)).isEqualTo(5L);
    assertThat(a.percentile(100)).isEqualTo(9L);
  }

  @Test
  void encodingRoundTrips() {
    RollupSeries s = new RollupSeries(RollupPlan.HOUR);
    Random rnd = new Random(3);
    for (int i = 0; i < 2_000; i++) {
      s.add(rnd.nextLong(0, 100L * RollupPlan.HOUR) - 50L * RollupPlan.HOUR, rnd.nextBoolean(),
          rnd.nextInt(5) == 0 ? null : (long) rnd.nextInt(3_600_000));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.writeTo(out);
    RollupSeries back = RollupSeries.readFrom(ByteBuffer.wrap(out.toByteArray()), RollupPlan.HOUR);
    java.util.List<RollupBucket> x = new java.util.ArrayList<>();
    java.util.List<RollupBucket> y = new java.util.ArrayList<>();
    s.forEach(Long.MIN_VALUE, Long.MAX_VALUE, x::add);
    back.forEach(Long.MIN_VALUE, Long.MAX_VALUE, y::add);
    assertThat(y).isEqualTo(x).hasSize(s.size());
  }

  /** The bytes snapshots and database rows already hold: the encoding must not change. */
  @Test
  void encodingIsStable() {
    RollupBucket b = new RollupBucket(0).add(true, 5L).add(false, null).add(true, 300L);
    // total 3, ok 2, latencies 2, sum 305, min 5, max - min 295, then the histogram: 2 entries,
    // index 5 (delta 5) once and index 278 (300 ms: 256 + (300 >> 1 & 127); delta 273) once.
    assertThat(b.toBytes()).containsExactly(0x03, 0x02, 0x02, 0xB1, 0x02, 0x05, 0xA7, 0x02, 0x02, 0x05, 0x01, 0x91,
        0x02, 0x01);
    assertThat(b.histogramBytes()).containsExactly(0x02, 0x05, 0x01, 0x91, 0x02, 0x01);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    b.writeTo(out);
    assertThat(out.toByteArray()).isEqualTo(b.toBytes());
    assertThat(RollupBucket.fromBytes(b.toBytes(), 0)).isEqualTo(b);
  }

  @Test
  void planSplitsAWindowIntoHoursMinutesAndRawEdges() {
    long h = RollupPlan.HOUR;
    long m = RollupPlan.MINUTE;
    RollupPlan p = RollupPlan.of(10 * h + 5 * m + 7, 13 * h + 2 * m + 3, Long.MIN_VALUE, true);
    assertThat(p.hours()).containsExactly(new long[] {11 * h, 13 * h});
    assertThat(p.minutes()).containsExactly(new long[] {10 * h + 6 * m, 11 * h}, new long[] {13 * h, 13 * h + 2 * m});
    assertThat(p.raw()).containsExactly(new long[] {10 * h + 5 * m + 7, 10 * h + 6 * m},
        new long[] {13 * h + 2 * m, 13 * h + 2 * m + 3});
    RollupPlan past = RollupPlan.of(2 * h + 1, 9 * h, 5 * h + 1, false);
    assertThat(past.hours()).containsExactly(new long[] {2 * h + 1, 6 * h}, new long[] {6 * h, 9 * h});
    assertThat(past.raw()).isEmpty();
  }
}
