package io.healthwatch.storage.mysql;

import io.healthwatch.storage.mysql.impl.MySqlUri;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A fresh, empty database for one test (or test class), dropped again by {@link #close()}.
 *
 * <p>Where the server comes from, in order: {@code HEALTHWATCH_TEST_MYSQL_URI} (for example {@code
 * mysql://root@127.0.0.1:3306/healthwatch_test}, password in {@code
 * HEALTHWATCH_TEST_MYSQL_PASSWORD} if needed; databases {@code hw_test_<random>} are created beside
 * the named one), else a Testcontainers {@code mysql:8} container when Docker runs. With neither,
 * the test is skipped with a message saying so, unless {@code HEALTHWATCH_REQUIRE_MYSQL=1}, which
 * makes it fail instead.
 */
public final class MySqlTestDatabase implements AutoCloseable {
  public static final String URI_ENV = "HEALTHWATCH_TEST_MYSQL_URI";
  public static final String PASSWORD_ENV = "HEALTHWATCH_TEST_MYSQL_PASSWORD";
  public static final String REQUIRE_ENV = "HEALTHWATCH_REQUIRE_MYSQL";
  /** {@code 0} turns the Testcontainers fallback off (CI runners whose Docker runs no Linux containers). */
  public static final String DOCKER_ENV = "HEALTHWATCH_TEST_MYSQL_DOCKER";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static Server server;
  private static String unavailable;

  private final Server on;
  private final String name;
  private Pool pool;

  /** Where a server runs and how to administer it. */
  private record Server(String host, int port, String user, String password, Vertx vertx, Pool admin) {}

  private MySqlTestDatabase(Server on, String name) {
    this.on = on;
    this.name = name;
  }

  /** Creates a fresh database, or skips (or fails, when MySQL is required) the calling test. */
  public static MySqlTestDatabase create() {
    Server s = server();
    String name = "hw_test_" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36).toLowerCase(Locale.ROOT);
    // The name is generated here from [a-z0-9_]; identifiers cannot be bound as parameters.
    await(s.admin().query("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").execute());
    return new MySqlTestDatabase(s, name);
  }

  /** Whether a database can be had at all (for tests that only make sense with one). */
  public static boolean available() {
    try {
      server();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static synchronized Server server() {
    if (server != null) {
      return server;
    }
    if (unavailable == null) {
      try {
        server = connect();
        if (server != null) {
          return server;
        }
        unavailable = "no MySQL for tests: set " + URI_ENV + " (e.g. mysql://root@127.0.0.1:3306/healthwatch_test)"
            + ("0".equals(System.getenv(DOCKER_ENV)) ? " (the Testcontainers fallback is off: " + DOCKER_ENV + "=0)"
                : " or run Docker for a Testcontainers mysql:8 container");
      } catch (RuntimeException e) {
        unavailable = "no MySQL for tests: " + e.getMessage();
      }
    }
    if ("1".equals(System.getenv(REQUIRE_ENV))) {
      return Assertions.fail(unavailable + " (" + REQUIRE_ENV + "=1 makes this a failure)");
    }
    Assumptions.abort(unavailable);
    throw new IllegalStateException("unreachable");
  }

  private static Server connect() {
    String uri = System.getenv(URI_ENV);
    String host;
    int port;
    String user;
    String password;
    String database;
    if (uri != null && !uri.isBlank()) {
      MySQLConnectOptions o = MySqlUri.parse(uri);
      host = o.getHost();
      port = o.getPort();
      user = o.getUser();
      password = System.getenv(PASSWORD_ENV);
      database = o.getDatabase();
    } else {
      var container = Containers.startMySql();
      if (container == null) {
        return null;
      }
      host = container.host();
      port = container.port();
      user = "root";
      password = container.password();
      database = container.database();
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    MySQLConnectOptions admin = new MySQLConnectOptions().setHost(host).setPort(port).setUser(user)
        .setDatabase(database).setCharset("utf8mb4");
    if (password != null) {
      admin.setPassword(password);
    }
    Pool pool = MySQLBuilder.pool().with(new PoolOptions().setMaxSize(4)).connectingTo(admin).using(vertx).build();
    try {
      await(pool.query("SELECT 1").execute());
    } catch (RuntimeException e) {
      pool.close();
      vertx.close();
      throw new IllegalStateException("cannot reach " + host + ":" + port + "/" + database + ": " + e.getMessage(), e);
    }
    return new Server(host, port, user, password, vertx, pool);
  }

  /** Testcontainers, touched only when no URI is given so its classes load only then. */
  private static final class Containers {
    record Running(String host, int port, String password, String database) {}

    @SuppressWarnings("resource")
    static Running startMySql() {
      if ("0".equals(System.getenv(DOCKER_ENV))) {
        return null;
      }
      try {
        if (!org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
          return null;
        }
      } catch (Throwable t) {
        return null;
      }
      var c = new org.testcontainers.mysql.MySQLContainer("mysql:8.0")
          .withUsername("root").withPassword("test").withDatabaseName("healthwatch_test");
      c.start();
      return new Running(c.getHost(), c.getMappedPort(3306), "test", "healthwatch_test");
    }
  }

  public String name() {
    return name;
  }

  /** The URI of this database, for {@link MySqlStoreOptions}. */
  public String uri() {
    return "mysql://" + on.user() + "@" + on.host() + ":" + on.port() + "/" + name;
  }

  public String password() {
    return on.password();
  }

  /** Options reaching this database. */
  public MySqlStoreOptions options() {
    MySqlStoreOptions o = new MySqlStoreOptions(uri());
    if (on.password() != null) {
      o.setPassword(on.password());
    }
    return o;
  }

  /** Connect options of this database, password included, for clients outside a store. */
  public MySQLConnectOptions connectOptions() {
    MySQLConnectOptions o = new MySQLConnectOptions().setHost(on.host()).setPort(on.port()).setUser(on.user())
        .setDatabase(name).setCharset("utf8mb4");
    if (on.password() != null) {
      o.setPassword(on.password());
    }
    return o;
  }

  /** Runs one statement in this database outside any store and waits for its rows. */
  public synchronized List<Row> sql(String sql, Object... params) {
    if (pool == null) {
      pool = MySQLBuilder.pool().with(new PoolOptions().setMaxSize(2)).connectingTo(connectOptions())
          .using(on.vertx()).build();
    }
    List<Row> out = new ArrayList<>();
    var rows = params.length == 0
        ? await(pool.query(sql).execute())
        : await(pool.preparedQuery(sql).execute(Tuple.from(params)));
    rows.forEach(out::add);
    return out;
  }

  /** One number from the first column of the first row. */
  public long count(String sql, Object... params) {
    List<Row> rows = sql(sql, params);
    return ((Number) rows.get(0).getValue(0)).longValue();
  }

  /** Kills every connection to this database except this helper's own. */
  public int killConnections() {
    List<Row> ids = await(on.admin().preparedQuery(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()")
        .execute(Tuple.of(name))).stream().toList();
    int killed = 0;
    for (Row r : ids) {
      try {
        // KILL takes no parameters; the id is a number read from the server.
        await(on.admin().query("KILL " + r.getLong(0)).execute());
        killed++;
      } catch (RuntimeException e) {
        // the connection ended by itself meanwhile
      }
    }
    return killed;
  }

  @Override
  public synchronized void close() {
    if (pool != null) {
      await(pool.close());
      pool = null;
    }
    await(on.admin().query("DROP DATABASE IF EXISTS `" + name + "`").execute());
  }

  /** Closes the shared admin connection, for programs (not tests) that must end their threads. */
  public static synchronized void shutdown() {
    if (server != null) {
      await(server.admin().close());
      await(server.vertx().close());
      server = null;
    }
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("database operation did not complete", e);
    }
  }
}
