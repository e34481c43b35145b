package io.healthwatch.it;

import io.healthwatch.storage.mysql.MySqlTestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The backends the end-to-end tests and benchmarks run against, and a fresh place for one server's
 * data: nothing for {@code memory}, a data directory for {@code disk}, a database of its own for {@code mysql} (from {@link
 * MySqlTestDatabase}, so the test skips or fails as the MySQL tests do when none is configured).
 */
public enum Backend {
  MEMORY, DISK, MYSQL;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** A fresh, empty place for this backend's data; closing it removes the data. */
  public Storage freshStorage(String name) {
    return switch (this) {
      case MEMORY -> new Storage(this, List.of("--storage", "memory"), null, null, null);
      case DISK -> {
        try {
          Path dir = Files.createTempDirectory(ensure(ServerProcess.targetDir().resolve("data")), name + "-");
          yield new Storage(this, List.of("--storage", "disk", "--data-dir", dir.toString()), null, dir, null);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      case MYSQL -> {
        MySqlTestDatabase db = MySqlTestDatabase.create();
        yield new Storage(this, List.of("--storage", "mysql", "--mysql-uri", db.uri()), db.password(), null, db);
      }
    };
  }

  private static Path ensure(Path dir) throws IOException {
    return Files.createDirectories(dir);
  }

  /** Where one server keeps its data; every server started from it shares that data. */
  public static final class Storage implements AutoCloseable {
    private final Backend backend;
    private final List<String> args;
    private final String mysqlPassword;
    private final Path dir;
    private final MySqlTestDatabase database;

    Storage(Backend backend, List<String> args, String mysqlPassword, Path dir, MySqlTestDatabase database) {
      this.backend = backend;
      this.args = args;
      this.mysqlPassword = mysqlPassword;
      this.dir = dir;
      this.database = database;
    }

    public Backend backend() {
      return backend;
    }

    /** The data directory, for the disk backend (null for the others). */
    public Path dataDir() {
      return dir;
    }

    /** The database, for backends that have one (null for disk and memory). */
    public MySqlTestDatabase database() {
      return database;
    }

    /** A builder for a server on this data, with the storage arguments and password set. */
    public ServerProcess.Builder server(String name) {
      ServerProcess.Builder builder = ServerProcess.builder().name(name + "-" + backend.wireName())
          .args(args.toArray(String[]::new));
      if (mysqlPassword != null) {
        builder.env("HEALTHWATCH_MYSQL_PASSWORD", mysqlPassword);
      }
      return builder;
    }

    @Override
    public void close() {
      if (database != null) {
        database.close();
      }
      if (dir != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }
}
