package io.healthwatch.storage.disk;

import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Typical probe data for size and speed measurements: channels checked every 10, 30 or 60 seconds
 * (a few hundred milliseconds of jitter), by one or two probes; about 98% successes whose latency
 * jitters around the channel's own level; failures with a reason (mostly timeouts and HTTP errors)
 * and often a note from a small set; sent in batches of 1 to 50 samples, oldest first.
 */
final class ProbeData {
  private static final long[] INTERVALS = {10_000, 30_000, 60_000};
  private static final Reason[] FAILURES = {Reason.TIMEOUT, Reason.TIMEOUT, Reason.TIMEOUT, Reason.TIMEOUT,
      Reason.HTTP, Reason.HTTP, Reason.HTTP, Reason.TCP, Reason.DNS, Reason.TLS};
  private static final String[] NOTES = {"HTTP 503 Service Unavailable", "HTTP 502 Bad Gateway",
      "connection reset by peer", "read timed out after 5000 ms", "certificate expires in 5 days"};

  private ProbeData() {}

  static String channel(int i) {
    return "svc-" + (i % 7 == 0 ? "db" : "api") + "-" + i + "/https";
  }

  /** {@code channels} channels with {@code perChannel} samples each, as the batches a probe sends. */
  static List<List<Sample>> batches(int channels, int perChannel, long seed) {
    Random rnd = new Random(seed);
    List<Sample> all = new ArrayList<>(channels * perChannel);
    for (int c = 0; c < channels; c++) {
      String id = channel(c);
      long interval = INTERVALS[c % INTERVALS.length];
      long level = 15 + rnd.nextInt(250);
      String[] probes = c % 3 == 0 ? new String[] {"probe-fra-1", "probe-ams-2"} : new String[] {"probe-fra-1"};
      long start = TestSupport.T0 + rnd.nextInt((int) interval);
      for (int k = 0; k < perChannel; k++) {
        long ts = start + k * interval + rnd.nextInt(300);
        String probe = probes[k % probes.length];
        if (rnd.nextInt(100) < 98) {
          long latency = Math.max(1, Math.round(level * (1 + rnd.nextGaussian() * 0.15)));
          all.add(new Sample(id, ts, true, latency, null, null, probe));
        } else {
          Reason reason = FAILURES[rnd.nextInt(FAILURES.length)];
          Long latency = reason == Reason.TIMEOUT ? Long.valueOf(5000) : reason == Reason.HTTP ? level : null;
          String note = rnd.nextBoolean() ? NOTES[rnd.nextInt(NOTES.length)] : null;
          all.add(new Sample(id, ts, false, latency, reason, note, probe));
        }
      }
    }
    all.sort(Comparator.comparingLong(Sample::timestamp));
    List<List<Sample>> out = new ArrayList<>();
    for (int i = 0; i < all.size(); ) {
      int n = Math.min(all.size() - i, 1 + rnd.nextInt(50));
      out.add(List.copyOf(all.subList(i, i + n)));
      i += n;
    }
    return out;
  }
}
