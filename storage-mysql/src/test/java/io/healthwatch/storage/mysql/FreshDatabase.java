package io.healthwatch.storage.mysql;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A new database for every test method, dropped after it: {@code @RegisterExtension final
 * FreshDatabase fresh = new FreshDatabase();} then {@code fresh.db()}.
 */
public final class FreshDatabase implements BeforeEachCallback, AfterEachCallback {
  private MySqlTestDatabase db;

  @Override
  public void beforeEach(ExtensionContext context) {
    db = MySqlTestDatabase.create();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (db != null) {
      db.close();
      db = null;
    }
  }

  public MySqlTestDatabase db() {
    return db;
  }
}
