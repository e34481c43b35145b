package io.healthwatch.storage.mysql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.healthwatch.storage.mysql.impl.MySqlUri;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.mysqlclient.SslMode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The MySQL URI")
class MySqlUriTest {

  @Test
  @DisplayName("names host, port, database and user; TLS is off unless asked for")
  void basics() {
    MySQLConnectOptions o = MySqlUri.parse("mysql://health%40watch@db.example.org:3307/monitoring");
    assertThat(o.getHost()).isEqualTo("db.example.org");
    assertThat(o.getPort()).isEqualTo(3307);
    assertThat(o.getDatabase()).isEqualTo("monitoring");
    assertThat(o.getUser()).isEqualTo("health@watch");
    assertThat(o.getSslMode()).isEqualTo(SslMode.DISABLED);
    assertThat(MySqlUri.parse("mysql://u@h/d").getPort()).isEqualTo(3306);
  }

  @Test
  @DisplayName("every sslMode maps to the client's mode")
  void sslModes() {
    assertThat(MySqlUri.parse("mysql://u@h/d?sslMode=disabled").getSslMode()).isEqualTo(SslMode.DISABLED);
    assertThat(MySqlUri.parse("mysql://u@h/d?sslMode=preferred").getSslMode()).isEqualTo(SslMode.PREFERRED);
    assertThat(MySqlUri.parse("mysql://u@h/d?sslMode=required").getSslMode()).isEqualTo(SslMode.REQUIRED);
    assertThat(MySqlUri.parse("mysql://u@h/d?sslMode=verify-ca").getSslMode()).isEqualTo(SslMode.VERIFY_CA);
    assertThat(MySqlUri.parse("mysql://u@h/d?sslMode=VERIFY_IDENTITY").getSslMode())
        .isEqualTo(SslMode.VERIFY_IDENTITY);
    assertThatThrownBy(() -> MySqlUri.parse("mysql://u@h/d?sslMode=sometimes"))
        .hasMessageContaining("unknown sslMode 'sometimes'").hasMessageContaining("verify-identity");
  }

  @Test
  @DisplayName("a CA file becomes the trusted authorities; a missing one is named")
  void caFile(@TempDir Path dir) throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    MySQLConnectOptions o = MySqlUri.parse("mysql://u@h/d?sslMode=verify-ca&caFile=" + ca);
    assertThat(o.getSslOptions().getTrustOptions()).isInstanceOfSatisfying(PemTrustOptions.class,
        t -> assertThat(t.getCertPaths()).containsExactly(ca.toString()));
    assertThat(o.getSslOptions().getHostnameVerificationAlgorithm()).isEmpty();
    assertThat(MySqlUri.parse("mysql://u@h/d?sslMode=verify-identity&caFile=" + ca).getSslOptions()
        .getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
    assertThatThrownBy(() -> MySqlUri.parse("mysql://u@h/d?caFile=" + dir.resolve("none.pem")))
        .hasMessageContaining("none.pem");
  }

  @Test
  @DisplayName("required without a CA file encrypts without checking the certificate, as MySQL's clients do")
  void requiredWithoutCa() {
    assertThat(MySqlUri.parse("mysql://u@h/d?sslMode=required").getSslOptions().isTrustAll()).isTrue();
    assertThat(MySqlUri.parse("mysql://u@h/d?sslMode=verify-ca").getSslOptions().isTrustAll()).isFalse();
    assertThat(MySqlUri.parse("mysql://u@h/d?sslMode=disabled").getSslOptions()).isNull();
  }

  @Test
  @DisplayName("a password in the URI is refused without being repeated")
  void noPasswordInUri() {
    assertThatThrownBy(() -> MySqlUri.parse("mysql://root:s3cret-pw@h/d"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HEALTHWATCH_MYSQL_PASSWORD")
        .hasMessageNotContaining("s3cret-pw");
  }

  @Test
  @DisplayName("malformed URIs are refused with a hint")
  void malformed() {
    assertThatThrownBy(() -> MySqlUri.parse("postgres://u@h/d")).hasMessageContaining("mysql://");
    assertThatThrownBy(() -> MySqlUri.parse("mysql://u@h/")).hasMessageContaining("database");
    assertThatThrownBy(() -> MySqlUri.parse("mysql://u@h/d?ssl=true")).hasMessageContaining("unknown");
    assertThatThrownBy(() -> MySqlUri.parse(null)).hasMessageContaining("missing");
  }

  @Test
  @DisplayName("the options never print the password")
  void optionsHidePassword() {
    MySqlStoreOptions o = new MySqlStoreOptions("mysql://u@h/d").setPassword("s3cret-pw".toCharArray());
    assertThat(o.toString()).doesNotContain("s3cret-pw").contains("<redacted>");
    assertThat(o.getPoolSize()).isEqualTo(8);
    assertThat(new String(o.getPassword())).isEqualTo("s3cret-pw");
  }
}
