package io.healthwatch.storage.mysql;

import io.healthwatch.core.storage.StoreOptions;
import java.util.Arrays;
import java.util.Objects;

/**
 * How to reach the MySQL (or MariaDB) database and how to use it.
 *
 * <p>The URI names everything but the password:
 * {@code mysql://user@host:3306/database?sslMode=verify-ca&caFile=/etc/ssl/db-ca.pem}. {@code
 * sslMode} is one of {@code disabled}, {@code preferred}, {@code required}, {@code verify-ca} and
 * {@code verify-identity}; {@code caFile} is a PEM file of trusted certificate authorities. The
 * password is set apart, is never written by {@link #toString()} and never appears in an error
 * message.
 */
public class MySqlStoreOptions {
  public static final int DEFAULT_POOL_SIZE = 8;
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
  public static final long DEFAULT_HEALTH_TIMEOUT_MS = 2_000;

  private String uri;
  private char[] password;
  private int poolSize = DEFAULT_POOL_SIZE;
  private long connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS;
  private long healthTimeoutMs = DEFAULT_HEALTH_TIMEOUT_MS;
  private StoreOptions storeOptions = new StoreOptions();

  public MySqlStoreOptions() {}

  public MySqlStoreOptions(String uri) {
    this.uri = uri;
  }

  public String getUri() {
    return uri;
  }

  public MySqlStoreOptions setUri(String uri) {
    this.uri = uri;
    return this;
  }

  /** A copy of the password, or null when none is set. */
  public char[] getPassword() {
    return password == null ? null : password.clone();
  }

  public MySqlStoreOptions setPassword(char[] password) {
    this.password = password == null ? null : password.clone();
    return this;
  }

  public MySqlStoreOptions setPassword(String password) {
    this.password = password == null ? null : password.toCharArray();
    return this;
  }

  /** Connections kept open to the database at most. */
  public int getPoolSize() {
    return poolSize;
  }

  public MySqlStoreOptions setPoolSize(int poolSize) {
    if (poolSize < 1) {
      throw new IllegalArgumentException("pool size must be at least 1");
    }
    this.poolSize = poolSize;
    return this;
  }

  /** How long opening one connection may take before it counts as failed. */
  public long getConnectTimeoutMs() {
    return connectTimeoutMs;
  }

  public MySqlStoreOptions setConnectTimeoutMs(long connectTimeoutMs) {
    this.connectTimeoutMs = connectTimeoutMs;
    return this;
  }

  /** How long {@code health()} waits for {@code SELECT 1} before reporting the database down. */
  public long getHealthTimeoutMs() {
    return healthTimeoutMs;
  }

  public MySqlStoreOptions setHealthTimeoutMs(long healthTimeoutMs) {
    this.healthTimeoutMs = healthTimeoutMs;
    return this;
  }

  /** The settings every backend shares: outage threshold, cache bounds, clock. */
  public StoreOptions getStoreOptions() {
    return storeOptions;
  }

  public MySqlStoreOptions setStoreOptions(StoreOptions storeOptions) {
    this.storeOptions = Objects.requireNonNull(storeOptions, "storeOptions");
    return this;
  }

  /** Forgets the password held here (callers keep their own copy if they need one). */
  public void clearPassword() {
    if (password != null) {
      Arrays.fill(password, '\0');
      password = null;
    }
  }

  @Override
  public String toString() {
    return "MySqlStoreOptions{uri=" + uri + ", password=" + (password == null ? "<none>" : "<redacted>")
        + ", poolSize=" + poolSize + ", connectTimeoutMs=" + connectTimeoutMs + "}";
  }
}
