package io.healthwatch.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.healthwatch.server.auth.Role;
import io.healthwatch.server.config.ServerConfig.Backend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigResolverTest {
  @TempDir
  Path dir;

  private final Map<Setting, String> flags = new EnumMap<>(Setting.class);
  private final Map<String, String> env = new HashMap<>();

  private ServerConfig resolve(Path file) {
    return ConfigResolver.resolve(flags, file, env);
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  @DisplayName("without any setting the defaults of OPERATIONS.md apply")
  void defaults() {
    ServerConfig c = resolve(null);
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8080);
    assertThat(c.storage()).isEqualTo(Backend.DISK);
    assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(c.mysqlUri()).isNull();
    assertThat(c.mysqlPoolSize()).isEqualTo(8);
    assertThat(c.tokens().isEmpty()).isTrue();
    assertThat(c.outageThreshold()).isEqualTo(3);
    assertThat(c.retentionDays()).isEqualTo(30);
    assertThat(c.rollupRetentionDays()).isEqualTo(400);
    assertThat(c.storeOptions().getRollupRetentionDays()).isEqualTo(400);
    assertThat(c.clusterMembers()).isEmpty();
    assertThat(c.maxBodyBytes()).isEqualTo(4 * 1024 * 1024);
    assertThat(c.storeOptions().getOutageThreshold()).isEqualTo(3);
    assertThat(c.minFreeBytes()).isEqualTo(256L << 20);
    assertThat(c.dataSizeWarningBytes()).isZero();
  }

  @Test
  @DisplayName("storage sizes are bytes, or a number with KiB, MiB, GiB or TiB")
  void sizes() throws IOException {
    flags.put(Setting.MIN_FREE_SPACE, "1GiB");
    env.put("HEALTHWATCH_DATA_SIZE_WARNING", "512 mib");
    assertThat(resolve(null).minFreeBytes()).isEqualTo(1L << 30);
    assertThat(resolve(null).dataSizeWarningBytes()).isEqualTo(512L << 20);
    flags.clear();
    env.clear();
    Path file = write("hw.yaml", "minFreeSpace: 1048576\ndataSizeWarning: 2TiB\n");
    ServerConfig c = resolve(file);
    assertThat(c.minFreeBytes()).isEqualTo(1L << 20);
    assertThat(c.dataSizeWarningBytes()).isEqualTo(2L << 40);
    assertThat(c.describe()).contains("minFreeSpace = 1048576", "dataSizeWarning = " + (2L << 40));
  }

  @Test
  @DisplayName("a flag wins over the variable, the variable over the file, the file over the default")
  void precedence() throws IOException {
    Path file = write("hw.json", "{\"port\":7000,\"outageThreshold\":5,\"retentionDays\":7,\"storage\":\"memory\","
        + "\"rollupRetentionDays\":90}");
    env.put("HEALTHWATCH_PORT", "7100");
    env.put("HEALTHWATCH_OUTAGE_THRESHOLD", "6");
    flags.put(Setting.PORT, "7200");
    ServerConfig c = resolve(file);
    assertThat(c.port()).isEqualTo(7200);
    assertThat(c.outageThreshold()).isEqualTo(6);
    assertThat(c.retentionDays()).isEqualTo(7);
    assertThat(c.rollupRetentionDays()).isEqualTo(90);
    assertThat(c.storeOptions().rollupCutoff(0)).isEqualTo(-83 * 86_400_000L);
    assertThat(c.storage()).isEqualTo(Backend.MEMORY);
    assertThat(c.mysqlPoolSize()).isEqualTo(8);
  }

  @Test
  @DisplayName("the config file may be YAML and may be named by HEALTHWATCH_CONFIG")
  void yaml() throws IOException {
    Path file = write("hw.yaml", "port: 9001\nstorage: mysql\nmysqlUri: mysql://hw@db:3306/hw\nmaxBodyBytes: 2048\n");
    env.put("HEALTHWATCH_CONFIG", file.toString());
    ServerConfig c = resolve(null);
    assertThat(c.port()).isEqualTo(9001);
    assertThat(c.storage()).isEqualTo(Backend.MYSQL);
    assertThat(c.mysqlUri()).isEqualTo("mysql://hw@db:3306/hw");
    assertThat(c.maxBodyBytes()).isEqualTo(2048);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "PORT|abc|--port (HEALTHWATCH_PORT) from --port: must be an integer, got 'abc'",
      "PORT|70000|--port (HEALTHWATCH_PORT) from --port: must be between 0 and 65535, got 70000",
      "STORAGE|floppy|--storage (HEALTHWATCH_STORAGE) from --storage: must be one of disk, mysql, memory, got 'floppy'",
      "OUTAGE_THRESHOLD|0|--outage-threshold (HEALTHWATCH_OUTAGE_THRESHOLD) from --outage-threshold: must be between 1",
      "RETENTION_DAYS|-1|--retention-days (HEALTHWATCH_RETENTION_DAYS) from --retention-days: must be between 1",
      "ROLLUP_RETENTION_DAYS|0|--rollup-retention-days (HEALTHWATCH_ROLLUP_RETENTION_DAYS) from --rollup-retention-days: must be between 1",
      "MYSQL_POOL_SIZE|0|--mysql-pool-size (HEALTHWATCH_MYSQL_POOL_SIZE) from --mysql-pool-size: must be between 1",
      "MAX_BODY_BYTES|lots|--max-body-bytes (HEALTHWATCH_MAX_BODY_BYTES) from --max-body-bytes: must be an integer",
      "MYSQL_URI|postgres://x|--mysql-uri (HEALTHWATCH_MYSQL_URI) from --mysql-uri: must look like mysql://",
      "HOST|0.0.0.0|--host (HEALTHWATCH_HOST) from --host: '0.0.0.0' is not a loopback address and no token is configured",
      "CLUSTER|a:5701,b:5701|--cluster (HEALTHWATCH_CLUSTER_MEMBERS) from --cluster: the disk backend is single-node",
      "MIN_FREE_SPACE|lots|--min-free-space (HEALTHWATCH_MIN_FREE_SPACE) from --min-free-space: must be a size in bytes such as 268435456, 256MiB or 2GiB, got 'lots'",
      "DATA_SIZE_WARNING|10GB|--data-size-warning (HEALTHWATCH_DATA_SIZE_WARNING) from --data-size-warning: must be a size in bytes",
      "DATA_SIZE_WARNING|99999999TiB|--data-size-warning (HEALTHWATCH_DATA_SIZE_WARNING) from --data-size-warning: is too large",
      "CLUSTER_PORT|0|--cluster-port (HEALTHWATCH_CLUSTER_PORT) from --cluster-port: must be between 1 and 65535, got 0",
  })
  @DisplayName("a bad flag stops the start with one line naming the setting and the problem")
  void badFlag(Setting setting, String value, String message) {
    flags.put(setting, value);
    assertThatThrownBy(() -> resolve(null))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("bad setting " + message)
        .hasMessageNotContaining("\n");
  }

  @Test
  @DisplayName("a bad variable is named as the variable")
  void badVariable() {
    env.put("HEALTHWATCH_RETENTION_DAYS", "forever");
    assertThatThrownBy(() -> resolve(null)).hasMessageContaining("from HEALTHWATCH_RETENTION_DAYS: must be an integer, got 'forever'");
  }

  @Test
  @DisplayName("a log format other than text or json is refused")
  void logFormat() {
    env.put("HEALTHWATCH_LOG_FORMAT", "xml");
    assertThatThrownBy(() -> resolve(null)).hasMessage("bad setting HEALTHWATCH_LOG_FORMAT: must be text or json, got 'xml'");
    env.put("HEALTHWATCH_LOG_FORMAT", "json");
    assertThat(resolve(null).port()).isEqualTo(8080);
  }

  @Test
  @DisplayName("MySQL needs a URI; the password comes only from the environment")
  void mysql() throws IOException {
    flags.put(Setting.STORAGE, "mysql");
    assertThatThrownBy(() -> resolve(null)).hasMessageContaining("--mysql-uri (HEALTHWATCH_MYSQL_URI)").hasMessageContaining("is required");
    flags.put(Setting.MYSQL_URI, "mysql://hw@db:3306/hw");
    env.put("HEALTHWATCH_MYSQL_PASSWORD_FILE", write("pw", "s3cret-from-file\n").toString());
    ServerConfig c = resolve(null);
    assertThat(c.mysqlPassword()).isEqualTo("s3cret-from-file");
    assertThat(String.join("\n", c.describe())).doesNotContain("s3cret");

    env.put("HEALTHWATCH_MYSQL_PASSWORD", "other");
    assertThatThrownBy(() -> resolve(null)).hasMessageContaining("not both");

    Path file = write("hw.json", "{\"mysqlPassword\":\"nope\"}");
    env.remove("HEALTHWATCH_MYSQL_PASSWORD");
    assertThatThrownBy(() -> resolve(file)).hasMessageContaining("passwords are taken only from HEALTHWATCH_MYSQL_PASSWORD")
        .hasMessageNotContaining("nope");
  }

  @Test
  @DisplayName("the printed configuration masks passwords, also one inside the MySQL URI")
  void masked() throws IOException {
    flags.put(Setting.STORAGE, "mysql");
    flags.put(Setting.MYSQL_URI, "mysql://hw:hunter2@db:3306/hw?sslMode=required&password=hunter3");
    env.put("HEALTHWATCH_MYSQL_PASSWORD", "hunter4");
    flags.put(Setting.TOKENS_FILE, write("tokens", "tok-very-secret admin\n").toString());
    String printed = String.join("\n", resolve(null).describe());
    assertThat(printed).doesNotContain("hunter2", "hunter3", "hunter4", "tok-very-secret");
    assertThat(printed).contains("mysql://hw:*****@db:3306/hw?sslMode=required&password=*****");
    assertThat(printed).contains("tokensFile = " + dir.resolve("tokens") + " (1 tokens)");
  }

  @Test
  @DisplayName("with tokens the server may listen on every address")
  void tokensAllowAnyAddress() throws IOException {
    flags.put(Setting.HOST, "0.0.0.0");
    flags.put(Setting.TOKENS_FILE, write("tokens", "# ops\n\nt1 ingest\nt2 read,ingest\n").toString());
    ServerConfig c = resolve(null);
    assertThat(c.tokens().size()).isEqualTo(2);
    assertThat(c.tokens().authenticate("t2").orElseThrow().allows(Role.READ)).isTrue();
  }

  @Test
  @DisplayName("a bad tokens file names the line, never the token")
  void badTokensFile() throws IOException {
    flags.put(Setting.TOKENS_FILE, write("tokens", "good-token read\nsecret-token-xyz superuser\n").toString());
    assertThatThrownBy(() -> resolve(null))
        .hasMessageContaining("--tokens-file (HEALTHWATCH_TOKENS_FILE)")
        .hasMessageContaining("line 2: unknown role 'superuser'")
        .hasMessageNotContaining("secret-token-xyz");
    flags.put(Setting.TOKENS_FILE, dir.resolve("missing").toString());
    assertThatThrownBy(() -> resolve(null)).hasMessageContaining("cannot read");
    flags.put(Setting.TOKENS_FILE, write("empty", "# nothing\n").toString());
    assertThatThrownBy(() -> resolve(null)).hasMessageContaining("holds no token");
  }

  @Test
  @DisplayName("a config file with an unknown key or that is not JSON is refused")
  void badFile() throws IOException {
    assertThatThrownBy(() -> resolve(write("a.json", "{\"prot\":1}"))).hasMessageContaining("unknown key 'prot'");
    assertThatThrownBy(() -> resolve(write("b.json", "{port:"))).hasMessageContaining("is not valid JSON").hasMessageNotContaining("\n");
    assertThatThrownBy(() -> resolve(dir.resolve("none.json"))).hasMessageContaining("cannot be read");
    assertThatThrownBy(() -> resolve(write("c.json", "{\"port\":\"x\"}")))
        .hasMessageContaining("from " + dir.resolve("c.json") + " key 'port': must be an integer");
  }

  @Test
  @DisplayName("cluster members are a comma-separated list, with this server's cluster address and port")
  void cluster() {
    flags.put(Setting.STORAGE, "mysql");
    flags.put(Setting.MYSQL_URI, "mysql://hw@db:3306/hw");
    flags.put(Setting.CLUSTER, "10.0.0.1:5701, 10.0.0.2");
    ServerConfig c = resolve(null);
    assertThat(c.clusterMembers()).isEqualTo(List.of("10.0.0.1:5701", "10.0.0.2"));
    assertThat(c.clusterHost()).as("chosen by Hazelcast unless given").isNull();
    assertThat(c.clusterPort()).isEqualTo(5701);
    env.put("HEALTHWATCH_CLUSTER_HOST", "10.0.0.1");
    env.put("HEALTHWATCH_CLUSTER_PORT", "5801");
    c = resolve(null);
    assertThat(c.clusterHost()).isEqualTo("10.0.0.1");
    assertThat(c.clusterPort()).isEqualTo(5801);
    assertThat(c.describe()).contains("cluster = 10.0.0.1:5701,10.0.0.2", "clusterHost = 10.0.0.1", "clusterPort = 5801");
  }

  @ParameterizedTest
  @CsvSource({"disk", "memory"})
  @DisplayName("a cluster is refused with a backend whose data only one server sees")
  void clusterNeedsMySql(String backend) {
    flags.put(Setting.STORAGE, backend);
    flags.put(Setting.CLUSTER, "10.0.0.1:5701");
    assertThatThrownBy(() -> resolve(null)).isInstanceOf(ConfigException.class)
        .hasMessage("bad setting --cluster (HEALTHWATCH_CLUSTER_MEMBERS) from --cluster: the " + backend
            + " backend is single-node; use --storage mysql to run a cluster");
  }
}
