package io.healthwatch.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.server.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands as an operator runs them: a separate JVM, its exit code and its output. */
class CommandProcessTest {
  @TempDir
  Path dir;

  private record Result(int exitCode, String out, String err) {}

  private static Result run(String... args) throws IOException, InterruptedException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-Dlogback.configurationFile=logback.xml", "-cp", classpath, Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("HEALTHWATCH_"));
    Process p = pb.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the command ends").isTrue();
    return new Result(p.exitValue(), out.join(), err.join());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Test
  @DisplayName("import-legacy, backup, restore and verify as processes: exit codes and reports")
  void chain() throws Exception {
    Path data = dir.resolve("data");
    Path archive = dir.resolve("store.hwb");
    Result imported = run("import-legacy", ImportLegacyTest.fixture().toString(), "--data-dir", data.toString());
    assertThat(imported.exitCode()).as(imported.toString()).isZero();
    assertThat(imported.out()).contains("channelStates.json: 52 records read, 52 imported");

    Result backup = run("backup", "--data-dir", data.toString(), "--to", archive.toString());
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    Result restore = run("restore", "--data-dir", dir.resolve("copy").toString(), "--from", archive.toString());
    assertThat(restore.exitCode()).as(restore.toString()).isZero();
    assertThat(restore.out()).contains("verified against the archive's digest");

    Result verify = run("verify", "--data-dir", dir.resolve("copy").toString());
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.out()).contains("SOUND");
    Result again = run("restore", "--data-dir", dir.resolve("copy").toString(), "--from", archive.toString());
    assertThat(again.exitCode()).isEqualTo(2);
    assertThat(again.err()).contains("is not empty");
  }
}
