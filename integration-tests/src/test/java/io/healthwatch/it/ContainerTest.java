package io.healthwatch.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.healthwatch.core.json.Json;
import io.healthwatch.server.config.ConfigResolver;
import io.healthwatch.server.config.Setting;
import io.healthwatch.storage.mysql.MySqlTestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code Dockerfile} and {@code docker-compose.yml} at the repository root, checked without a
 * Docker engine: what they copy, expose, publish, name and check matches the build and the
 * server's defaults, and the packaged jar started the way the image starts it, configured only by
 * the image's and compose's environment and secret files, serves, logs JSON and exits 0 on SIGTERM.
 */
class ContainerTest {
  private static final Path ROOT = ServerProcess.targetDir().resolve("../..").normalize();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final String SECRETS = "/run/secrets/";
  private static final String SHARED_ARCHIVE = "-XX:SharedArchiveFile=";

  @TempDir
  Path dir;

  /** One instruction of a Dockerfile: its keyword and the rest, continuation lines joined. */
  private record Instruction(String keyword, String args) {
    List<String> jsonArray() {
      List<String> out = new ArrayList<>();
      HttpApi.parse(args).forEach(n -> out.add(n.asText()));
      return out;
    }
  }

  private static List<Instruction> dockerfile() throws IOException {
    List<Instruction> out = new ArrayList<>();
    StringBuilder pending = new StringBuilder();
    for (String line : Files.readAllLines(ROOT.resolve("Dockerfile"), StandardCharsets.UTF_8)) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending.isEmpty())) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
        continue;
      }
      String whole = pending.append(trimmed).toString();
      pending.setLength(0);
      int space = whole.indexOf(' ');
      out.add(new Instruction(whole.substring(0, space).toUpperCase(), whole.substring(space + 1).strip()));
    }
    return out;
  }

  private static List<Instruction> all(List<Instruction> file, String keyword) {
    return file.stream().filter(i -> i.keyword().equals(keyword)).toList();
  }

  private static Instruction one(List<Instruction> file, String keyword) {
    assertThat(all(file, keyword)).as("%s instructions", keyword).hasSize(1);
    return all(file, keyword).get(0);
  }

  /** The ENV of the run stage (after the last FROM). */
  private static Map<String, String> imageEnv(List<Instruction> file) {
    List<Instruction> stages = all(file, "FROM");
    int lastFrom = file.lastIndexOf(stages.get(stages.size() - 1));
    Map<String, String> env = new LinkedHashMap<>();
    for (Instruction i : file.subList(lastFrom, file.size())) {
      if (i.keyword().equals("ENV")) {
        Matcher m = Pattern.compile("(\\w+)=(\\S+)").matcher(i.args());
        while (m.find()) {
          env.put(m.group(1), m.group(2));
        }
      }
    }
    return env;
  }

  private static JsonNode compose() throws IOException {
    return YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
  }

  private static Map<String, String> serviceEnv(JsonNode service) {
    Map<String, String> env = new LinkedHashMap<>();
    service.path("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    return env;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Whether a path of the repository is left out of the build context by {@code .dockerignore}. */
  private static boolean dockerIgnored(String path) throws IOException {
    for (String line : Files.readAllLines(ROOT.resolve(".dockerignore"), StandardCharsets.UTF_8)) {
      String pattern = line.strip();
      if (pattern.isEmpty() || pattern.startsWith("#")) {
        continue;
      }
      String glob = pattern.endsWith("/") ? pattern + "**" : pattern;
      if (FileSystems.getDefault().getPathMatcher("glob:" + glob).matches(Path.of(path))
          || FileSystems.getDefault().getPathMatcher("glob:" + glob).matches(Path.of(path, "x"))) {
        return true;
      }
    }
    return false;
  }

  @Test
  @DisplayName("the Dockerfile copies what the repository has, builds and runs the jar the build makes, and exposes, checks and configures what the server uses")
  void dockerfileMatchesTheBuildAndTheServer() throws IOException {
    List<Instruction> file = dockerfile();
    String jarInRepo = ROOT.relativize(ServerProcess.jar()).toString().replace('\\', '/');
    assertThat(Files.readString(ROOT.resolve("server/pom.xml"))).as("the shaded jar's name")
        .contains("<finalName>" + ServerProcess.jar().getFileName().toString().replace(".jar", "") + "</finalName>");

    List<Instruction> stages = all(file, "FROM");
    assertThat(stages).as("a build stage and a run stage").hasSize(2);
    assertThat(stages.get(0).args()).startsWith("maven:").endsWith(" AS build");
    assertThat(stages.get(1).args()).as("a JRE 17 image").contains("17-jre");
    String workdir = one(file.subList(0, file.indexOf(stages.get(1))), "WORKDIR").args();
    String jarInImage = null;
    for (Instruction copy : all(file, "COPY")) {
      List<String> parts = List.of(copy.args().split("\\s+"));
      if (parts.get(0).startsWith("--from=")) {
        assertThat(parts.get(1)).as("the jar taken from the build stage").isEqualTo(workdir + "/" + jarInRepo);
        jarInImage = parts.get(2);
        continue;
      }
      for (String source : parts.subList(0, parts.size() - 1)) {
        assertThat(ROOT.resolve(source)).as("COPY source %s", source).exists();
        assertThat(dockerIgnored(source)).as("COPY source %s is in the build context (.dockerignore)", source).isFalse();
      }
    }
    assertThat(all(file, "RUN").stream().map(Instruction::args)).as("the build stage packages the server module")
        .anyMatch(run -> run.contains("mvn") && run.contains("-pl server") && run.contains("package"));
    List<String> entrypoint = one(file, "ENTRYPOINT").jsonArray();
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size())).containsExactly("-jar", jarInImage);
    assertThat(one(file, "CMD").jsonArray()).containsExactly("serve");
    String imageJar = jarInImage;
    String archive = entrypoint.stream().filter(a -> a.startsWith(SHARED_ARCHIVE)).findFirst()
        .orElseThrow(() -> new AssertionError("the entrypoint uses a class-data archive")).substring(SHARED_ARCHIVE.length());
    assertThat(all(file, "RUN").stream().map(Instruction::args)).as("the image makes the archive it starts with")
        .anyMatch(run -> run.contains("-XX:ArchiveClassesAtExit=" + archive) && run.contains(imageJar)
            && run.contains("class-data-training"));

    Map<String, String> env = imageEnv(file);
    assertThat(ConfigResolver.environmentVariables()).as("variables the server reads").containsAll(env.keySet());
    assertThat(env.get(Setting.PORT.env())).as("the port of the image is the server's default").isEqualTo(Setting.PORT.defaultValue());
    assertThat(one(file, "VOLUME").args()).as("the volume is the data directory").isEqualTo(env.get(Setting.DATA_DIR.env()));
    assertThat(List.of(one(file, "EXPOSE").args().split("\\s+")))
        .containsExactlyInAnyOrder(Setting.PORT.defaultValue(), Setting.CLUSTER_PORT.defaultValue());
    String user = one(file, "USER").args();
    assertThat(user).isNotIn("root", "0");
    assertThat(all(file, "RUN").stream().map(Instruction::args)).as("the user is created").anyMatch(run -> run.contains("useradd") && run.contains(user));

    String healthcheck = one(file, "HEALTHCHECK").args();
    assertThat(healthcheck).contains("/health/ready").contains("${" + Setting.PORT.env() + ":-" + Setting.PORT.defaultValue() + "}");
  }

  @Test
  @DisplayName("docker-compose.yml runs the image on MySQL 8 with variables the server reads, secrets it declares, and the port the image exposes")
  void composeMatchesTheServer() throws IOException {
    JsonNode compose = compose();
    JsonNode server = compose.path("services").path("healthwatch");
    assertThat(server.path("build").asText()).as("built from this repository's Dockerfile").isEqualTo(".");
    Map<String, String> env = serviceEnv(server);
    assertThat(ConfigResolver.environmentVariables()).as("variables the server reads").containsAll(env.keySet());
    assertThat(texts(server.path("ports"))).containsExactly(Setting.PORT.defaultValue() + ":" + Setting.PORT.defaultValue());
    assertThat(server.path("stop_grace_period").asText()).as("longer than the server's 10 s to stop").isEqualTo("15s");

    List<String> serviceSecrets = texts(server.path("secrets"));
    List<String> secretFiles = env.entrySet().stream()
        .filter(e -> e.getKey().endsWith("_FILE")).map(Map.Entry::getValue).toList();
    assertThat(secretFiles).as("tokens and MySQL password come from secret files").hasSize(2);
    for (String path : secretFiles) {
      assertThat(path).startsWith(SECRETS);
      String name = path.substring(SECRETS.length());
      assertThat(serviceSecrets).as("secrets of the service").contains(name);
      String file = compose.path("secrets").path(name).path("file").asText();
      assertThat(file).as("secret %s is a file under ./secrets/", name).startsWith("./secrets/");
      assertThat(dockerIgnored(file.substring(2))).as("%s stays out of the image", file).isTrue();
    }
    assertThat(Files.readAllLines(ROOT.resolve(".gitignore"))).as("secrets stay out of git").contains("/secrets/");

    JsonNode mysql = compose.path("services").path("mysql");
    assertThat(mysql.path("image").asText()).startsWith("mysql:8");
    Map<String, String> mysqlEnv = serviceEnv(mysql);
    Matcher uri = Pattern.compile("mysql://([^@:/]+)@([^:/]+):(\\d+)/([^?]+).*").matcher(env.get(Setting.MYSQL_URI.env()));
    assertThat(uri.matches()).as("the MySQL URI %s", env.get(Setting.MYSQL_URI.env())).isTrue();
    assertThat(uri.group(1)).isEqualTo(mysqlEnv.get("MYSQL_USER"));
    assertThat(compose.path("services").has(uri.group(2))).as("the URI names the MySQL service").isTrue();
    assertThat(uri.group(4)).isEqualTo(mysqlEnv.get("MYSQL_DATABASE"));
    assertThat(mysqlEnv.get("MYSQL_PASSWORD_FILE")).as("the server and MySQL share the password")
        .isEqualTo(env.get(ConfigResolver.PASSWORD_FILE_ENV));
    assertThat(server.path("depends_on").path("mysql").path("condition").asText()).isEqualTo("service_healthy");
  }

  @Test
  @DisabledOnOs(value = OS.WINDOWS, disabledReason = "the image's health check is a bash command; Windows has no SIGTERM")
  @DisplayName("the jar started as the container starts it, configured only by the image's and compose's environment and secret files, serves on all interfaces, logs JSON lines, passes the health check and exits 0 on SIGTERM")
  void serverRunsAsTheContainerDoes() throws Exception {
    List<Instruction> file = dockerfile();
    String token = "container-token-" + Long.toHexString(System.nanoTime());
    Path tokens = Files.writeString(dir.resolve("tokens"), "# compose secret\n" + token + " admin\n");
    try (MySqlTestDatabase db = MySqlTestDatabase.create()) {
      Path password = Files.writeString(dir.resolve("mysql_password"), db.password() == null ? "" : db.password() + "\n");
      Map<String, Path> secrets = Map.of("tokens", tokens, "mysql_password", password);
      Map<String, String> env = imageEnv(file);
      env.putAll(serviceEnv(compose().path("services").path("healthwatch")));
      // what only a container has: its secrets mount, its volume, the database host of compose, port 8080
      env.replaceAll((k, v) -> v.startsWith(SECRETS) ? secrets.get(v.substring(SECRETS.length())).toString() : v);
      env.put(Setting.DATA_DIR.env(), dir.resolve("data").toString());
      env.put(Setting.MYSQL_URI.env(), db.uri());
      env.remove(Setting.PORT.env());

      List<String> entrypoint = one(file, "ENTRYPOINT").jsonArray();
      ServerProcess.Builder builder = ServerProcess.builder().name("container").portByEnvironment()
          // the image's archive path exists only in the image; ServerProcess uses the build's archive
          .jvmArgs(entrypoint.subList(1, entrypoint.indexOf("-jar")).stream().filter(a -> !a.startsWith(SHARED_ARCHIVE))
              .toArray(String[]::new));
      env.forEach(builder::env);
      try (ServerProcess server = builder.start()) {
        server.awaitReady(Duration.ofSeconds(30));
        String healthcheck = one(file, "HEALTHCHECK").args().replaceFirst("^.*?\\bCMD\\s+", "");
        assertThat(runHealthcheck(healthcheck, server.port())).as("the image's health check on the running server").isZero();

        HttpApi api = new HttpApi(server, token);
        String sample = HttpApi.sample("container", System.currentTimeMillis(), true, 12, null);
        assertThat(api.call("POST", "/api/v1/samples", "application/json", HttpRequest.BodyPublishers.ofString(sample)).status())
            .isEqualTo(200);
        assertThat(new HttpApi(server).call("GET", "/api/v1/channels", null, HttpRequest.BodyPublishers.noBody()).status())
            .as("without the token").isEqualTo(401);

        assertThat(server.stop()).as("exit code after SIGTERM").isZero();
        assertThat(runHealthcheck(healthcheck, server.port())).as("the health check once the server is gone").isNotZero();
        List<String> lines = Files.readAllLines(server.log(), StandardCharsets.UTF_8).stream()
            .filter(l -> !l.startsWith("=== start")).toList();
        assertThat(lines).as("log lines").isNotEmpty().allSatisfy(l -> assertThat(Json.MAPPER.readTree(l).isObject()).isTrue());
        String raw = String.join("\n", lines);
        assertThat(raw).doesNotContain(token);
        StringBuilder messages = new StringBuilder();
        for (String l : lines) {
          messages.append(Json.MAPPER.readTree(l).path("formattedMessage").asText()).append('\n');
        }
        String log = messages.toString();
        assertThat(log).contains("listening on http://0.0.0.0:" + server.port()).contains("storage mysql").contains("stopped")
            .doesNotContain(token);
        if (db.password() != null && !db.password().isEmpty()) {
          assertThat(raw).doesNotContain(db.password());
        }
      }
    }
  }

  @Test
  @DisplayName("the image without a tokens file refuses to start on all interfaces, exit code 2, naming the setting")
  void imageWithoutTokensRefusesToStart() throws IOException {
    Map<String, String> env = imageEnv(dockerfile());
    env.put(Setting.DATA_DIR.env(), dir.resolve("data").toString());
    env.remove(Setting.PORT.env());
    ServerProcess.Builder builder = ServerProcess.builder().name("container-open").portByEnvironment();
    env.forEach(builder::env);
    assertThatThrownBy(builder::start).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited with 2")
        .hasMessageContaining("bad setting --host (HEALTHWATCH_HOST) from HEALTHWATCH_HOST: '0.0.0.0' is not a loopback address");
  }

  /** Runs a Dockerfile shell-form command as Docker does ({@code /bin/sh -c}); its exit code. */
  private static int runHealthcheck(String command, int port) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put(Setting.PORT.env(), String.valueOf(port));
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new UncheckedIOException(new IOException("the health check did not end within 10 s"));
    }
    return p.exitValue();
  }
}
