package io.healthwatch.core.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.WindowStats;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StatsAccumulatorTest {
  @Test
  @DisplayName("nearest-rank percentiles pick measured values")
  void nearestRank() {
    long[] v = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
    assertThat(StatsAccumulator.percentile(v, 50)).isEqualTo(50);
    assertThat(StatsAccumulator.percentile(v, 95)).isEqualTo(100);
    assertThat(StatsAccumulator.percentile(new long[] {7}, 99)).isEqualTo(7);
    assertThat(StatsAccumulator.percentile(new long[0], 50)).isNull();
  }

  @Test
  @DisplayName("118 successes of 120 give an availability of 0.9833")
  void availability() {
    StatsAccumulator acc = new StatsAccumulator();
    for (int i = 0; i < 120; i++) {
      acc.add(i >= 2, i >= 2 ? Long.valueOf(i) : null);
    }
    WindowStats s = acc.toWindowStats("api", 0, 1);
    assertThat(s.availability()).isEqualTo(0.9833);
    assertThat(s.failures()).isEqualTo(2);
    assertThat(s.latencyP50()).isEqualTo(60L);
  }
}
