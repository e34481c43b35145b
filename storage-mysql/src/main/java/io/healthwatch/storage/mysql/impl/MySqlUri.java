package io.healthwatch.storage.mysql.impl;

import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.mysqlclient.SslMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code mysql://user@host:port/database?sslMode=...&caFile=...} into connect options. A
 * password inside the URI is refused: URIs end up in logs and command lines.
 */
public final class MySqlUri {
  public static final int DEFAULT_PORT = 3306;

  private MySqlUri() {}

  /** The connect options the URI describes, without a password. */
  public static MySQLConnectOptions parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("the MySQL URI is missing (mysql://user@host:3306/database)");
    }
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("the MySQL URI is malformed; expected mysql://user@host:3306/database", e);
    }
    if (!"mysql".equalsIgnoreCase(uri.getScheme()) && !"mariadb".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("the MySQL URI must start with mysql://");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("the MySQL URI names no host; expected mysql://user@host:3306/database");
    }
    MySQLConnectOptions options = new MySQLConnectOptions()
        .setHost(uri.getHost())
        .setPort(uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort())
        .setCharset("utf8mb4");
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      if (userInfo.contains(":")) {
        throw new IllegalArgumentException("the MySQL URI must not hold a password; "
            + "give it through HEALTHWATCH_MYSQL_PASSWORD or HEALTHWATCH_MYSQL_PASSWORD_FILE");
      }
      options.setUser(decode(userInfo));
    }
    String path = uri.getRawPath();
    String database = path == null ? "" : decode(path.startsWith("/") ? path.substring(1) : path);
    if (database.isEmpty() || database.contains("/")) {
      throw new IllegalArgumentException("the MySQL URI must name one database: mysql://user@host:3306/database");
    }
    options.setDatabase(database);
    Map<String, String> params = query(uri.getRawQuery());
    SslMode mode = sslMode(params.remove("sslMode"));
    options.setSslMode(mode);
    String caFile = params.remove("caFile");
    if (caFile != null && !Files.isReadable(Path.of(caFile))) {
      throw new IllegalArgumentException("the CA file given by caFile cannot be read: " + caFile);
    }
    if (mode != SslMode.DISABLED) {
      options.setSslOptions(sslOptions(mode, caFile));
    }
    if (!params.isEmpty()) {
      throw new IllegalArgumentException("unknown MySQL URI parameter(s) " + params.keySet()
          + "; known are sslMode and caFile");
    }
    return options;
  }

  /**
   * TLS settings as MySQL's own clients read the modes: {@code preferred} and {@code required}
   * encrypt without checking the certificate unless a CA file is given; {@code verify-ca} checks
   * the chain (against the CA file, else the JVM's trust store); {@code verify-identity} also
   * checks that the certificate names the host.
   */
  private static ClientSSLOptions sslOptions(SslMode mode, String caFile) {
    ClientSSLOptions ssl = new ClientSSLOptions();
    if (caFile != null) {
      ssl.setTrustOptions(new PemTrustOptions().addCertPath(caFile));
    } else if (mode == SslMode.PREFERRED || mode == SslMode.REQUIRED) {
      ssl.setTrustAll(true);
    }
    ssl.setHostnameVerificationAlgorithm(mode == SslMode.VERIFY_IDENTITY ? "HTTPS" : "");
    return ssl;
  }

  /** The SSL mode named by {@code sslMode}; {@code disabled} when absent. */
  public static SslMode sslMode(String value) {
    if (value == null) {
      return SslMode.DISABLED;
    }
    switch (value.toLowerCase(Locale.ROOT).replace('_', '-')) {
      case "disabled":
        return SslMode.DISABLED;
      case "preferred":
        return SslMode.PREFERRED;
      case "required":
        return SslMode.REQUIRED;
      case "verify-ca":
        return SslMode.VERIFY_CA;
      case "verify-identity":
        return SslMode.VERIFY_IDENTITY;
      default:
        throw new IllegalArgumentException("unknown sslMode '" + value
            + "'; use disabled, preferred, required, verify-ca or verify-identity");
    }
  }

  /** host:port/database, for messages. */
  public static String describe(MySQLConnectOptions o) {
    return o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return params;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      params.put(key, value);
    }
    return params;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
