package io.healthwatch.server.config;

import io.healthwatch.core.Limits;
import io.healthwatch.core.storage.StorageStats;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.server.auth.Tokens;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The effective configuration of a server: the settings of OPERATIONS.md (resolved by {@link
 * ConfigResolver}) and the limits and timings of the API, in one place. Defaults come from core's
 * {@link Limits} and {@link StoreOptions}. Fluent setters let tests and embedders build one
 * directly.
 */
public class ServerConfig {
  /** Storage backends. */
  public enum Backend {
    DISK, MYSQL, MEMORY;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static final int DEFAULT_MYSQL_POOL_SIZE = 8;
  /** Largest body of a control request (a watch); samples and custom values have their own. */
  public static final int MAX_CONTROL_BODY_BYTES = 64 * 1024;
  /** The longest watch: a year. */
  public static final long MAX_WATCH_DURATION_MS = 366L * 24 * 3_600_000L;
  /** How long a WebSocket client has to send its auth frame. */
  public static final long WS_AUTH_TIMEOUT_MS = 5_000;
  /** Bytes a WebSocket may have waiting to be sent before events for it are dropped. */
  public static final int WS_WRITE_QUEUE_BYTES = 256 * 1024;
  /** SIGTERM to exit, at most. */
  public static final long SHUTDOWN_TIMEOUT_MS = 10_000;
  /** {@code /health/ready} is DOWN when fewer writes than this succeeded in the window. */
  public static final double MIN_WRITE_SUCCESS_RATE = 0.995;
  /** The {@code Retry-After} of a 503. */
  public static final int RETRY_AFTER_SECONDS = 5;

  private String host = Setting.HOST.defaultValue();
  private int port = Integer.parseInt(Setting.PORT.defaultValue());
  private Backend storage = Backend.DISK;
  private Path dataDir = Path.of(Setting.DATA_DIR.defaultValue());
  private String mysqlUri;
  private String mysqlPassword;
  private String mysqlPasswordSource;
  private int mysqlPoolSize = DEFAULT_MYSQL_POOL_SIZE;
  private Path tokensFile;
  private Tokens tokens = Tokens.none();
  private int outageThreshold = StoreOptions.DEFAULT_OUTAGE_THRESHOLD;
  private int retentionDays = StoreOptions.DEFAULT_RETENTION_DAYS;
  private int rollupRetentionDays = StoreOptions.DEFAULT_ROLLUP_RETENTION_DAYS;
  private List<String> clusterMembers = List.of();
  private String clusterHost;
  private int clusterPort = Integer.parseInt(Setting.CLUSTER_PORT.defaultValue());
  private int maxBodyBytes = Limits.DEFAULT_MAX_BODY_BYTES;
  private int maxBatchSamples = Limits.MAX_BATCH_SAMPLES;
  private int maxCustomValueBytes = Limits.MAX_CUSTOM_VALUE_BYTES;
  private long wsAuthTimeoutMs = WS_AUTH_TIMEOUT_MS;
  private int wsWriteQueueBytes = WS_WRITE_QUEUE_BYTES;
  private long shutdownTimeoutMs = SHUTDOWN_TIMEOUT_MS;
  private int eventLoops = Runtime.getRuntime().availableProcessors();
  private Clock clock = Clock.systemUTC();
  private long minFreeBytes = 256L << 20;
  private long dataSizeWarningBytes;
  private final StorageStats storageStats = new StorageStats(() -> clock.millis());

  /** The options every backend is opened with. */
  public StoreOptions storeOptions() {
    return new StoreOptions()
        .setOutageThreshold(outageThreshold)
        .setRetentionDays(retentionDays)
        .setRollupRetentionDays(rollupRetentionDays)
        .setClock(clock)
        .setStorageListener(storageStats);
  }

  /** What the store reports of its operations: counted for metrics and the readiness window. */
  public StorageStats storageStats() {
    return storageStats;
  }

  /** Readiness is DOWN when the data directory's file system has less free space than this. */
  public long minFreeBytes() {
    return minFreeBytes;
  }

  public ServerConfig minFreeBytes(long minFreeBytes) {
    this.minFreeBytes = minFreeBytes;
    return this;
  }

  /** Readiness is DEGRADED once the stored data is larger than this; 0 is off. */
  public long dataSizeWarningBytes() {
    return dataSizeWarningBytes;
  }

  public ServerConfig dataSizeWarningBytes(long dataSizeWarningBytes) {
    this.dataSizeWarningBytes = dataSizeWarningBytes;
    return this;
  }

  /** The effective configuration, one {@code name = value} a line, secrets masked. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add("host = " + host);
    lines.add("port = " + port);
    lines.add("storage = " + storage.wireName());
    lines.add("dataDir = " + dataDir);
    lines.add("mysqlUri = " + (mysqlUri == null ? "(none)" : maskUri(mysqlUri)));
    lines.add("mysqlPassword = " + (mysqlPassword == null ? "(none)" : "***** (from " + mysqlPasswordSource + ")"));
    lines.add("mysqlPoolSize = " + mysqlPoolSize);
    lines.add("tokensFile = " + (tokensFile == null ? "(none: open, loopback only)" : tokensFile + " (" + tokens.size() + " tokens)"));
    lines.add("outageThreshold = " + outageThreshold);
    lines.add("retentionDays = " + retentionDays);
    lines.add("rollupRetentionDays = " + rollupRetentionDays);
    lines.add("cluster = " + (clusterMembers.isEmpty() ? "off" : String.join(",", clusterMembers)));
    if (!clusterMembers.isEmpty()) {
      lines.add("clusterHost = " + (clusterHost == null ? "(chosen by Hazelcast)" : clusterHost));
      lines.add("clusterPort = " + clusterPort);
    }
    lines.add("maxBodyBytes = " + maxBodyBytes);
    lines.add("minFreeSpace = " + minFreeBytes);
    lines.add("dataSizeWarning = " + (dataSizeWarningBytes == 0 ? "off" : String.valueOf(dataSizeWarningBytes)));
    lines.add("eventLoops = " + eventLoops);
    return lines;
  }

  /** A MySQL URI with any password in it (user info or query parameter) replaced by stars. */
  public static String maskUri(String uri) {
    String masked = uri.replaceAll("(://[^:/@?#]*):[^@/?#]*@", "$1:*****@");
    return masked.replaceAll("(?i)([?&]password=)[^&#]*", "$1*****");
  }

  public String host() {
    return host;
  }

  public ServerConfig host(String host) {
    this.host = host;
    return this;
  }

  public int port() {
    return port;
  }

  public ServerConfig port(int port) {
    this.port = port;
    return this;
  }

  public Backend storage() {
    return storage;
  }

  public ServerConfig storage(Backend storage) {
    this.storage = storage;
    return this;
  }

  public Path dataDir() {
    return dataDir;
  }

  public ServerConfig dataDir(Path dataDir) {
    this.dataDir = dataDir;
    return this;
  }

  public String mysqlUri() {
    return mysqlUri;
  }

  public ServerConfig mysqlUri(String mysqlUri) {
    this.mysqlUri = mysqlUri;
    return this;
  }

  /** The MySQL password, for the backend only; never print it. */
  public String mysqlPassword() {
    return mysqlPassword;
  }

  public ServerConfig mysqlPassword(String password, String source) {
    this.mysqlPassword = password;
    this.mysqlPasswordSource = source;
    return this;
  }

  public int mysqlPoolSize() {
    return mysqlPoolSize;
  }

  public ServerConfig mysqlPoolSize(int mysqlPoolSize) {
    this.mysqlPoolSize = mysqlPoolSize;
    return this;
  }

  public Path tokensFile() {
    return tokensFile;
  }

  public Tokens tokens() {
    return tokens;
  }

  public ServerConfig tokens(Path file, Tokens tokens) {
    this.tokensFile = file;
    this.tokens = tokens;
    return this;
  }

  public int outageThreshold() {
    return outageThreshold;
  }

  public ServerConfig outageThreshold(int outageThreshold) {
    this.outageThreshold = outageThreshold;
    return this;
  }

  public int retentionDays() {
    return retentionDays;
  }

  public ServerConfig retentionDays(int retentionDays) {
    this.retentionDays = retentionDays;
    return this;
  }

  /** Days hour rollups are kept (raw samples: {@link #retentionDays}). */
  public int rollupRetentionDays() {
    return rollupRetentionDays;
  }

  public ServerConfig rollupRetentionDays(int rollupRetentionDays) {
    this.rollupRetentionDays = rollupRetentionDays;
    return this;
  }

  public List<String> clusterMembers() {
    return clusterMembers;
  }

  public ServerConfig clusterMembers(List<String> clusterMembers) {
    this.clusterMembers = List.copyOf(clusterMembers);
    return this;
  }

  /** The address this server binds and announces for the cluster, or null to let Hazelcast pick one. */
  public String clusterHost() {
    return clusterHost;
  }

  public ServerConfig clusterHost(String clusterHost) {
    this.clusterHost = clusterHost;
    return this;
  }

  /** This server's Hazelcast member port. */
  public int clusterPort() {
    return clusterPort;
  }

  public ServerConfig clusterPort(int clusterPort) {
    this.clusterPort = clusterPort;
    return this;
  }

  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  public ServerConfig maxBodyBytes(int maxBodyBytes) {
    this.maxBodyBytes = maxBodyBytes;
    return this;
  }

  public int maxBatchSamples() {
    return maxBatchSamples;
  }

  public ServerConfig maxBatchSamples(int maxBatchSamples) {
    this.maxBatchSamples = maxBatchSamples;
    return this;
  }

  public int maxCustomValueBytes() {
    return maxCustomValueBytes;
  }

  public ServerConfig maxCustomValueBytes(int maxCustomValueBytes) {
    this.maxCustomValueBytes = maxCustomValueBytes;
    return this;
  }

  public long wsAuthTimeoutMs() {
    return wsAuthTimeoutMs;
  }

  public ServerConfig wsAuthTimeoutMs(long wsAuthTimeoutMs) {
    this.wsAuthTimeoutMs = wsAuthTimeoutMs;
    return this;
  }

  public int wsWriteQueueBytes() {
    return wsWriteQueueBytes;
  }

  public ServerConfig wsWriteQueueBytes(int wsWriteQueueBytes) {
    this.wsWriteQueueBytes = wsWriteQueueBytes;
    return this;
  }

  public long shutdownTimeoutMs() {
    return shutdownTimeoutMs;
  }

  public ServerConfig shutdownTimeoutMs(long shutdownTimeoutMs) {
    this.shutdownTimeoutMs = shutdownTimeoutMs;
    return this;
  }

  public int eventLoops() {
    return eventLoops;
  }

  public ServerConfig eventLoops(int eventLoops) {
    this.eventLoops = eventLoops;
    return this;
  }

  public Clock clock() {
    return clock;
  }

  public ServerConfig clock(Clock clock) {
    this.clock = clock;
    return this;
  }
}
