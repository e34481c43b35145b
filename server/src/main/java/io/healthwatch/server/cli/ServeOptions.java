package io.healthwatch.server.cli;

import io.healthwatch.server.config.Setting;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The flags of {@code serve}. Values are kept as text so the resolver can tell a given flag from
 * an absent one and name the setting in its error.
 */
public class ServeOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "JSON or YAML file of settings (env HEALTHWATCH_CONFIG)")
  Path config;

  @Option(names = "--host", paramLabel = "ADDRESS", description = "listen address (HEALTHWATCH_HOST, default 127.0.0.1)")
  String host;

  @Option(names = "--port", paramLabel = "PORT", description = "port, 0 for any free one (HEALTHWATCH_PORT, default 8080)")
  String port;

  @Option(names = "--storage", paramLabel = "BACKEND", description = "disk, mysql or memory (HEALTHWATCH_STORAGE, default disk)")
  String storage;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "disk store directory (HEALTHWATCH_DATA_DIR, default ./data)")
  String dataDir;

  @Option(names = "--mysql-uri", paramLabel = "URI", description = "mysql://user@host:3306/db (HEALTHWATCH_MYSQL_URI)")
  String mysqlUri;

  @Option(names = "--mysql-pool-size", paramLabel = "N", description = "MySQL connections (HEALTHWATCH_MYSQL_POOL_SIZE, default 8)")
  String mysqlPoolSize;

  @Option(names = "--tokens-file", paramLabel = "FILE", description = "'<token> <role>[,<role>...]' per line (HEALTHWATCH_TOKENS_FILE)")
  String tokensFile;

  @Option(names = "--outage-threshold", paramLabel = "N", description = "failures that open an outage (HEALTHWATCH_OUTAGE_THRESHOLD, default 3)")
  String outageThreshold;

  @Option(names = "--retention-days", paramLabel = "DAYS", description = "raw sample retention (HEALTHWATCH_RETENTION_DAYS, default 30)")
  String retentionDays;

  @Option(names = "--rollup-retention-days", paramLabel = "DAYS", description = "hour rollup retention for statistics (HEALTHWATCH_ROLLUP_RETENTION_DAYS, default 400)")
  String rollupRetentionDays;

  @Option(names = "--cluster", paramLabel = "MEMBERS", description = "cluster members host:port,... (HEALTHWATCH_CLUSTER_MEMBERS)")
  String cluster;

  @Option(names = "--cluster-host", paramLabel = "ADDRESS", description = "address this server binds and announces to the cluster (HEALTHWATCH_CLUSTER_HOST, default: chosen by Hazelcast)")
  String clusterHost;

  @Option(names = "--cluster-port", paramLabel = "PORT", description = "this server's cluster member port (HEALTHWATCH_CLUSTER_PORT, default 5701)")
  String clusterPort;

  @Option(names = "--max-body-bytes", paramLabel = "BYTES", description = "largest request body (HEALTHWATCH_MAX_BODY_BYTES, default 4194304)")
  String maxBodyBytes;

  @Option(names = "--min-free-space", paramLabel = "SIZE",
      description = "readiness is DOWN below this free space in the data directory, e.g. 256MiB (HEALTHWATCH_MIN_FREE_SPACE, default 256MiB)")
  String minFreeSpace;

  @Option(names = "--data-size-warning", paramLabel = "SIZE",
      description = "readiness is DEGRADED once the stored data passes this size, e.g. 10GiB (HEALTHWATCH_DATA_SIZE_WARNING, default off)")
  String dataSizeWarning;

  /** The settings given as flags. */
  public Map<Setting, String> flags() {
    Map<Setting, String> m = new EnumMap<>(Setting.class);
    put(m, Setting.HOST, host);
    put(m, Setting.PORT, port);
    put(m, Setting.STORAGE, storage);
    put(m, Setting.DATA_DIR, dataDir);
    put(m, Setting.MYSQL_URI, mysqlUri);
    put(m, Setting.MYSQL_POOL_SIZE, mysqlPoolSize);
    put(m, Setting.TOKENS_FILE, tokensFile);
    put(m, Setting.OUTAGE_THRESHOLD, outageThreshold);
    put(m, Setting.RETENTION_DAYS, retentionDays);
    put(m, Setting.ROLLUP_RETENTION_DAYS, rollupRetentionDays);
    put(m, Setting.CLUSTER, cluster);
    put(m, Setting.CLUSTER_HOST, clusterHost);
    put(m, Setting.CLUSTER_PORT, clusterPort);
    put(m, Setting.MAX_BODY_BYTES, maxBodyBytes);
    put(m, Setting.MIN_FREE_SPACE, minFreeSpace);
    put(m, Setting.DATA_SIZE_WARNING, dataSizeWarning);
    return m;
  }

  public Path configFile() {
    return config;
  }

  private static void put(Map<Setting, String> m, Setting s, String v) {
    if (v != null) {
      m.put(s, v);
    }
  }
}
