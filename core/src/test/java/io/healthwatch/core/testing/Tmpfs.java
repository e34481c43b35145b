package io.healthwatch.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A tiny tmpfs for tests of a really full file system. Mounting one needs Linux and root: anywhere
 * else the calling test is skipped with a message saying which of the two is missing.
 */
public final class Tmpfs implements AutoCloseable {
  private final Path path;

  private Tmpfs(Path path) {
    this.path = path;
  }

  /** Mounts a tmpfs of {@code size} (as {@code mount -o size=} reads it: {@code 1m}, {@code 8m}) on a new directory {@code dir}. */
  public static Tmpfs mount(Path dir, String size) throws IOException, InterruptedException {
    String os = System.getProperty("os.name", "");
    Assumptions.assumeTrue(os.startsWith("Linux"), "skipped: mounting a tmpfs needs Linux (this is " + os + ")");
    Files.createDirectories(dir);
    Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString()),
        "skipped: cannot mount a " + size + " tmpfs here (needs root and mount permission)");
    return new Tmpfs(dir);
  }

  public Path path() {
    return path;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    run("umount", path.toString());
  }

  private static boolean run(String... command) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }
}
