package io.healthwatch.server.cli;

import io.healthwatch.server.config.ConfigResolver;
import io.healthwatch.server.config.Setting;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The storage settings of {@code serve}, for commands that work on the server's store: the same
 * flags, variables and config file, resolved the same way.
 */
final class StorageOptions {
  @Option(names = "--config", paramLabel = "FILE", description = "JSON or YAML file of settings (env HEALTHWATCH_CONFIG)")
  Path config;

  @Option(names = "--storage", paramLabel = "BACKEND", description = "disk or mysql (HEALTHWATCH_STORAGE, default disk)")
  String storage;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "disk store directory (HEALTHWATCH_DATA_DIR, default ./data)")
  String dataDir;

  @Option(names = "--mysql-uri", paramLabel = "URI", description = "mysql://user@host:3306/db (HEALTHWATCH_MYSQL_URI)")
  String mysqlUri;

  @Option(names = "--outage-threshold", paramLabel = "N", description = "failures that open an outage (HEALTHWATCH_OUTAGE_THRESHOLD, default 3)")
  String outageThreshold;

  StoreLocation resolve(Map<String, String> env) {
    Map<Setting, String> flags = new EnumMap<>(Setting.class);
    put(flags, Setting.STORAGE, storage);
    put(flags, Setting.DATA_DIR, dataDir);
    put(flags, Setting.MYSQL_URI, mysqlUri);
    put(flags, Setting.OUTAGE_THRESHOLD, outageThreshold);
    return StoreLocation.of(ConfigResolver.resolve(flags, config, env));
  }

  private static void put(Map<Setting, String> m, Setting s, String v) {
    if (v != null) {
      m.put(s, v);
    }
  }
}
