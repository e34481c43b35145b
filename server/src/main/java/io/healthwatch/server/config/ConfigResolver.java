package io.healthwatch.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.healthwatch.core.json.Json;
import io.healthwatch.server.auth.Tokens;
import io.healthwatch.server.config.ServerConfig.Backend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves the effective {@link ServerConfig} from flags, environment variables, an optional
 * config file (JSON, or YAML for {@code .yaml}/{@code .yml}) and the defaults, in that order of
 * precedence, and checks every value. Reading the tokens and password files happens here, at
 * start, so that a bad file stops the server before it listens.
 */
public final class ConfigResolver {
  public static final String PASSWORD_ENV = "HEALTHWATCH_MYSQL_PASSWORD";
  public static final String PASSWORD_FILE_ENV = "HEALTHWATCH_MYSQL_PASSWORD_FILE";
  public static final String CONFIG_ENV = "HEALTHWATCH_CONFIG";
  /** Read by logback.xml; checked here so that a typo does not silence every log line. */
  public static final String LOG_FORMAT_ENV = "HEALTHWATCH_LOG_FORMAT";
  /** Read by logback.xml: the root log level. */
  public static final String LOG_LEVEL_ENV = "HEALTHWATCH_LOG_LEVEL";

  private final Map<Setting, String> flags;
  private final Map<String, String> env;
  private final Map<Setting, String> file = new EnumMap<>(Setting.class);
  private String fileName;

  private ConfigResolver(Map<Setting, String> flags, Map<String, String> env) {
    this.flags = flags;
    this.env = env;
  }

  /** Every environment variable the server reads: each setting's, the password's, the config file's and logging's. */
  public static List<String> environmentVariables() {
    List<String> names = new ArrayList<>();
    for (Setting s : Setting.values()) {
      names.add(s.env());
    }
    names.addAll(List.of(PASSWORD_ENV, PASSWORD_FILE_ENV, CONFIG_ENV, LOG_FORMAT_ENV, LOG_LEVEL_ENV));
    return names;
  }

  /**
   * @param flags the settings given on the command line (absent ones left out)
   * @param configFile the {@code --config} flag, or null (then {@code HEALTHWATCH_CONFIG} is used)
   * @param env the environment, usually {@code System.getenv()}
   * @throws ConfigException with one line naming the bad setting
   */
  public static ServerConfig resolve(Map<Setting, String> flags, Path configFile, Map<String, String> env) {
    ConfigResolver r = new ConfigResolver(flags, env);
    Path file = configFile != null ? configFile : (blank(env.get(CONFIG_ENV)) ? null : Path.of(env.get(CONFIG_ENV)));
    if (file != null) {
      r.readFile(file);
    }
    return r.build();
  }

  private ServerConfig build() {
    ServerConfig c = new ServerConfig();
    c.host(text(Setting.HOST));
    c.port(integer(Setting.PORT, 0, 65_535));
    c.storage(backend());
    c.dataDir(Path.of(text(Setting.DATA_DIR)));
    String uri = value(Setting.MYSQL_URI);
    if (uri != null) {
      if (!uri.startsWith("mysql://")) {
        throw bad(Setting.MYSQL_URI, "must look like mysql://user@host:3306/db, got '" + ServerConfig.maskUri(uri) + "'");
      }
      c.mysqlUri(uri);
    } else if (c.storage() == Backend.MYSQL) {
      throw bad(Setting.MYSQL_URI, "is required with --storage mysql");
    }
    c.mysqlPoolSize(integer(Setting.MYSQL_POOL_SIZE, 1, 1_000));
    password(c);
    tokens(c);
    c.outageThreshold(integer(Setting.OUTAGE_THRESHOLD, 1, 1_000_000));
    c.retentionDays(integer(Setting.RETENTION_DAYS, 1, 36_500));
    c.rollupRetentionDays(integer(Setting.ROLLUP_RETENTION_DAYS, 1, 36_500));
    c.clusterMembers(cluster(c.storage()));
    String clusterHost = value(Setting.CLUSTER_HOST);
    c.clusterHost(blank(clusterHost) ? null : clusterHost.strip());
    c.clusterPort(integer(Setting.CLUSTER_PORT, 1, 65_535));
    c.maxBodyBytes(integer(Setting.MAX_BODY_BYTES, 1_024, 1 << 30));
    c.minFreeBytes(size(Setting.MIN_FREE_SPACE));
    c.dataSizeWarningBytes(value(Setting.DATA_SIZE_WARNING) == null ? 0 : size(Setting.DATA_SIZE_WARNING));
    checkOpenOnlyOnLoopback(c);
    String logFormat = env.get(LOG_FORMAT_ENV);
    if (!blank(logFormat) && !logFormat.equals("text") && !logFormat.equals("json")) {
      throw new ConfigException("bad setting " + LOG_FORMAT_ENV + ": must be text or json, got '" + logFormat + "'");
    }
    return c;
  }

  /** The value and where it came from, by precedence; null when not given and no default. */
  private String value(Setting s) {
    if (flags.get(s) != null) {
      return flags.get(s);
    }
    if (env.get(s.env()) != null && !env.get(s.env()).isEmpty()) {
      return env.get(s.env());
    }
    if (file.get(s) != null) {
      return file.get(s);
    }
    return s.defaultValue();
  }

  private String source(Setting s) {
    if (flags.get(s) != null) {
      return s.flag();
    }
    if (env.get(s.env()) != null && !env.get(s.env()).isEmpty()) {
      return s.env();
    }
    if (file.get(s) != null) {
      return fileName + " key '" + s.key() + "'";
    }
    return "the default";
  }

  private ConfigException bad(Setting s, String problem) {
    return ConfigException.of(s, source(s), problem);
  }

  private String text(Setting s) {
    String v = value(s);
    if (blank(v)) {
      throw bad(s, "must not be empty");
    }
    return v.strip();
  }

  private int integer(Setting s, int min, int max) {
    String v = text(s);
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw bad(s, "must be between " + min + " and " + max + ", got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw bad(s, "must be an integer, got '" + v + "'");
    }
  }

  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(|B|KiB|MiB|GiB|TiB)", Pattern.CASE_INSENSITIVE);

  /** A size in bytes: a plain number, or one with a binary unit ({@code 512KiB}, {@code 256MiB}, {@code 2GiB}). */
  private long size(Setting s) {
    String v = text(s);
    Matcher m = SIZE.matcher(v);
    if (!m.matches()) {
      throw bad(s, "must be a size in bytes such as 268435456, 256MiB or 2GiB, got '" + v + "'");
    }
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "kib" -> 10;
      case "mib" -> 20;
      case "gib" -> 30;
      case "tib" -> 40;
      default -> 0;
    };
    try {
      long n = Long.parseLong(m.group(1));
      if (n > (Long.MAX_VALUE >> shift)) {
        throw bad(s, "is too large: '" + v + "'");
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw bad(s, "is too large: '" + v + "'");
    }
  }

  private Backend backend() {
    String v = text(Setting.STORAGE);
    for (Backend b : Backend.values()) {
      if (b.wireName().equals(v.toLowerCase(Locale.ROOT))) {
        return b;
      }
    }
    throw bad(Setting.STORAGE, "must be one of disk, mysql, memory, got '" + v + "'");
  }

  private void password(ServerConfig c) {
    String direct = env.get(PASSWORD_ENV);
    String fileVar = env.get(PASSWORD_FILE_ENV);
    if (!blank(direct) && !blank(fileVar)) {
      throw new ConfigException("bad setting " + PASSWORD_ENV + ": give either it or " + PASSWORD_FILE_ENV + ", not both");
    }
    if (!blank(direct)) {
      c.mysqlPassword(direct, PASSWORD_ENV);
    } else if (!blank(fileVar)) {
      try {
        String pw = Files.readString(Path.of(fileVar), StandardCharsets.UTF_8).strip();
        c.mysqlPassword(pw, PASSWORD_FILE_ENV + " " + fileVar);
      } catch (IOException e) {
        throw new ConfigException("bad setting " + PASSWORD_FILE_ENV + ": cannot read " + fileVar + " (" + e.getClass().getSimpleName() + ")");
      }
    }
  }

  private void tokens(ServerConfig c) {
    String v = value(Setting.TOKENS_FILE);
    if (blank(v)) {
      return;
    }
    Path path = Path.of(v.strip());
    List<String> lines;
    try {
      lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw bad(Setting.TOKENS_FILE, "cannot read " + path + " (" + e.getClass().getSimpleName() + ")");
    }
    try {
      Tokens tokens = Tokens.parse(lines);
      if (tokens.isEmpty()) {
        throw bad(Setting.TOKENS_FILE, path + " holds no token");
      }
      c.tokens(path, tokens);
    } catch (IllegalArgumentException e) {
      throw bad(Setting.TOKENS_FILE, path + " " + e.getMessage());
    }
  }

  private List<String> cluster(Backend backend) {
    String v = value(Setting.CLUSTER);
    if (blank(v)) {
      return List.of();
    }
    List<String> members = new ArrayList<>();
    for (String m : v.split(",")) {
      String member = m.strip();
      if (!member.matches("[A-Za-z0-9.\\-\\[\\]:]+")) {
        throw bad(Setting.CLUSTER, "members must be host or host:port separated by commas, got '" + member + "'");
      }
      members.add(member);
    }
    if (backend != Backend.MYSQL) {
      throw bad(Setting.CLUSTER, "the " + backend.wireName() + " backend is single-node; use --storage mysql to run a cluster");
    }
    return members;
  }

  private void checkOpenOnlyOnLoopback(ServerConfig c) {
    if (!c.tokens().isEmpty()) {
      return;
    }
    boolean loopback;
    try {
      loopback = InetAddress.getByName(c.host()).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw bad(Setting.HOST, "cannot resolve '" + c.host() + "'");
    }
    if (!loopback) {
      throw bad(Setting.HOST, "'" + c.host() + "' is not a loopback address and no token is configured;"
          + " set " + Setting.TOKENS_FILE.label() + " or listen on 127.0.0.1");
    }
  }

  private void readFile(Path path) {
    fileName = path.toString();
    String where = "bad setting --config (" + CONFIG_ENV + "): ";
    String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
    ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? new ObjectMapper(new YAMLFactory()) : Json.MAPPER;
    JsonNode root;
    try {
      root = mapper.readTree(Files.readAllBytes(path));
    } catch (IOException e) {
      String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
          ? "is not valid " + (mapper == Json.MAPPER ? "JSON" : "YAML") + " (" + jpe.getOriginalMessage() + ")"
          : "cannot be read (" + e.getClass().getSimpleName() + ")";
      throw new ConfigException(where + path + " " + why.replace('\n', ' '));
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException(where + path + " must hold an object of settings");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().toLowerCase(Locale.ROOT).contains("password")) {
        throw new ConfigException(where + path + " key '" + e.getKey() + "': passwords are taken only from "
            + PASSWORD_ENV + " or " + PASSWORD_FILE_ENV);
      }
      Setting s = Setting.byKey(e.getKey());
      if (s == null) {
        throw new ConfigException(where + path + " has an unknown key '" + e.getKey() + "'");
      }
      JsonNode v = e.getValue();
      if (v.isArray() && s == Setting.CLUSTER) {
        List<String> parts = new ArrayList<>();
        v.forEach(n -> parts.add(n.asText()));
        file.put(s, String.join(",", parts));
      } else if (v.isValueNode() && !v.isNull()) {
        file.put(s, v.asText());
      } else if (!v.isNull()) {
        throw new ConfigException(where + path + " key '" + e.getKey() + "' must be a single value");
      }
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
