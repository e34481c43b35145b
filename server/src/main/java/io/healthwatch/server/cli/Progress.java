package io.healthwatch.server.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of long work on standard error: at most one line a second (records done, of how many
 * when known, the rate and the time left), and a last line when done.
 */
final class Progress {
  private static final long INTERVAL_NANOS = 1_000_000_000L;

  private final PrintWriter err;
  private final String what;
  private final String unit;
  private long total;
  private long done;
  private final long started = System.nanoTime();
  private long lastPrinted = started;

  Progress(PrintWriter err, String what, String unit, long total) {
    this.err = err;
    this.what = what;
    this.unit = unit;
    this.total = total;
  }

  void total(long total) {
    this.total = total;
  }

  void add(long n) {
    done += n;
    long now = System.nanoTime();
    if (now - lastPrinted >= INTERVAL_NANOS) {
      lastPrinted = now;
      print(now, false);
    }
  }

  void finish() {
    print(System.nanoTime(), true);
  }

  private void print(long now, boolean last) {
    double seconds = Math.max(1e-3, (now - started) / 1e9);
    double rate = done / seconds;
    StringBuilder line = new StringBuilder(what).append(": ").append(String.format(Locale.ROOT, "%,d", done));
    if (total > 0) {
      line.append(String.format(Locale.ROOT, " of %,d %s (%d%%)", total, unit, Math.min(100, done * 100 / total)));
    } else {
      line.append(' ').append(unit);
    }
    line.append(String.format(Locale.ROOT, ", %,.0f/s", rate));
    if (last) {
      line.append(String.format(Locale.ROOT, ", done in %.1f s", seconds));
    } else if (total > done && rate > 0) {
      line.append(String.format(Locale.ROOT, ", about %.0f s left", (total - done) / rate));
    }
    err.println(line);
    err.flush();
  }
}
