package io.healthwatch.server.config;

/**
 * Every setting of OPERATIONS.md with the three ways to give it: a command-line flag, an
 * environment variable and a key of the config file. The flag wins over the variable, the
 * variable over the file, the file over the default.
 */
public enum Setting {
  HOST("host", "--host", "HEALTHWATCH_HOST", "127.0.0.1"),
  PORT("port", "--port", "HEALTHWATCH_PORT", "8080"),
  STORAGE("storage", "--storage", "HEALTHWATCH_STORAGE", "disk"),
  DATA_DIR("dataDir", "--data-dir", "HEALTHWATCH_DATA_DIR", "./data"),
  MYSQL_URI("mysqlUri", "--mysql-uri", "HEALTHWATCH_MYSQL_URI", null),
  MYSQL_POOL_SIZE("mysqlPoolSize", "--mysql-pool-size", "HEALTHWATCH_MYSQL_POOL_SIZE", "8"),
  TOKENS_FILE("tokensFile", "--tokens-file", "HEALTHWATCH_TOKENS_FILE", null),
  OUTAGE_THRESHOLD("outageThreshold", "--outage-threshold", "HEALTHWATCH_OUTAGE_THRESHOLD",
      String.valueOf(io.healthwatch.core.storage.StoreOptions.DEFAULT_OUTAGE_THRESHOLD)),
  RETENTION_DAYS("retentionDays", "--retention-days", "HEALTHWATCH_RETENTION_DAYS",
      String.valueOf(io.healthwatch.core.storage.StoreOptions.DEFAULT_RETENTION_DAYS)),
  ROLLUP_RETENTION_DAYS("rollupRetentionDays", "--rollup-retention-days", "HEALTHWATCH_ROLLUP_RETENTION_DAYS",
      String.valueOf(io.healthwatch.core.storage.StoreOptions.DEFAULT_ROLLUP_RETENTION_DAYS)),
  CLUSTER("cluster", "--cluster", "HEALTHWATCH_CLUSTER_MEMBERS", null),
  CLUSTER_HOST("clusterHost", "--cluster-host", "HEALTHWATCH_CLUSTER_HOST", null),
  CLUSTER_PORT("clusterPort", "--cluster-port", "HEALTHWATCH_CLUSTER_PORT", "5701"),
  MAX_BODY_BYTES("maxBodyBytes", "--max-body-bytes", "HEALTHWATCH_MAX_BODY_BYTES",
      String.valueOf(io.healthwatch.core.Limits.DEFAULT_MAX_BODY_BYTES)),
  MIN_FREE_SPACE("minFreeSpace", "--min-free-space", "HEALTHWATCH_MIN_FREE_SPACE", "256MiB"),
  DATA_SIZE_WARNING("dataSizeWarning", "--data-size-warning", "HEALTHWATCH_DATA_SIZE_WARNING", null);

  private final String key;
  private final String flag;
  private final String env;
  private final String defaultValue;

  Setting(String key, String flag, String env, String defaultValue) {
    this.key = key;
    this.flag = flag;
    this.env = env;
    this.defaultValue = defaultValue;
  }

  /** The key in a config file. */
  public String key() {
    return key;
  }

  public String flag() {
    return flag;
  }

  public String env() {
    return env;
  }

  /** The default, or null when the setting is off unless given. */
  public String defaultValue() {
    return defaultValue;
  }

  /** How an error message names the setting: {@code --port (HEALTHWATCH_PORT)}. */
  public String label() {
    return flag + " (" + env + ")";
  }

  public static Setting byKey(String key) {
    for (Setting s : values()) {
      if (s.key.equals(key)) {
        return s;
      }
    }
    return null;
  }
}
