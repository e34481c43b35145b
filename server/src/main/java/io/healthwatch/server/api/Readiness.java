package io.healthwatch.server.api;

import io.healthwatch.core.storage.StorageGauges;
import io.healthwatch.core.storage.StorageStats;
import io.healthwatch.core.storage.StoreHealth;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The rules of {@code /health/ready}, as a pure function of what the store says, its figures and
 * the recent writes. {@code DOWN} (503) when the store cannot write, when fewer than
 * {@code minSuccessRate} of the commits of the window succeeded (no commits: not down), or when
 * free space is under the floor. {@code DEGRADED} (200) for what needs attention first: the store's
 * own warnings (data kept aside as corrupt), free space under twice the floor, data past the
 * warning size.
 *
 * @param minFreeBytes the free-space floor; 0 is off
 * @param dataSizeWarningBytes the data size that warns; 0 is off
 */
public record Readiness(long minFreeBytes, long dataSizeWarningBytes, double minSuccessRate) {

  /**
   * The verdict: status, the reasons it is down (empty unless DOWN), every problem, the figures
   * for the report, and the store's own health it was judged from.
   */
  public record Verdict(StoreHealth.Status status, List<String> downReasons, List<String> problems,
      Map<String, Object> storage, StoreHealth health) {
    public boolean ready() {
      return status != StoreHealth.Status.DOWN;
    }
  }

  public Verdict judge(StoreHealth health, StorageGauges gauges, StorageStats.Window writes) {
    List<String> down = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    if (!health.writable()) {
      down.addAll(health.problems().isEmpty() ? List.of("storage does not take writes") : health.problems());
    } else if (health.status() == StoreHealth.Status.DEGRADED) {
      warnings.addAll(health.problems());
    }
    Double rate = writes.successRate();
    if (rate != null && rate < minSuccessRate) {
      down.add("only " + percent(rate) + " of the storage writes of the last " + writes.windowMs() / 60_000
          + " minutes succeeded (" + writes.failed() + " of " + writes.total() + " failed); at least "
          + percent(minSuccessRate) + " must");
    }
    long free = gauges.freeBytes();
    if (minFreeBytes > 0 && StorageGauges.known(free)) {
      if (free < minFreeBytes) {
        down.add("free space is " + size(free) + ", under the floor of " + size(minFreeBytes) + " (--min-free-space)");
      } else if (free < 2 * minFreeBytes) {
        warnings.add("free space is " + size(free) + ", near the floor of " + size(minFreeBytes) + " (--min-free-space)");
      }
    }
    long data = gauges.dataBytes();
    if (dataSizeWarningBytes > 0 && StorageGauges.known(data) && data > dataSizeWarningBytes) {
      warnings.add("the stored data takes " + size(data) + ", past the warning size of " + size(dataSizeWarningBytes)
          + " (--data-size-warning)");
    }
    StoreHealth.Status status = !down.isEmpty() ? StoreHealth.Status.DOWN
        : warnings.isEmpty() ? StoreHealth.Status.UP : StoreHealth.Status.DEGRADED;
    List<String> problems = new ArrayList<>(down);
    problems.addAll(warnings);
    return new Verdict(status, down, problems, figures(gauges, writes), health);
  }

  private Map<String, Object> figures(StorageGauges g, StorageStats.Window writes) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("dataBytes", known(g.dataBytes()));
    m.put("freeBytes", known(g.freeBytes()));
    m.put("minFreeBytes", minFreeBytes);
    m.put("dataSizeWarningBytes", dataSizeWarningBytes == 0 ? null : dataSizeWarningBytes);
    m.put("segments", known(g.segments()));
    m.put("oldestSampleAt", known(g.oldestSampleAt()));
    m.put("cachedChannels", known(g.cachedChannels()));
    m.put("cachedSamples", known(g.cachedSamples()));
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("windowMs", writes.windowMs());
    w.put("succeeded", writes.succeeded());
    w.put("failed", writes.failed());
    w.put("successRate", writes.successRate());
    w.put("minSuccessRate", minSuccessRate);
    m.put("writes", w);
    return m;
  }

  private static Long known(long figure) {
    return StorageGauges.known(figure) ? figure : null;
  }

  private static String percent(double rate) {
    return String.format(Locale.ROOT, "%.1f%%", rate * 100);
  }

  /** Bytes in the largest binary unit that keeps a whole number in front: {@code 12.5 MiB}. */
  static String size(long bytes) {
    String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
