package io.healthwatch.it;

import org.junit.jupiter.api.DisplayName;

@DisplayName("Kill -9 and SIGTERM of the packaged server on the MySQL backend")
class MySqlCrashRecoveryTest extends CrashRecoveryTest {
  MySqlCrashRecoveryTest() {
    super(Backend.MYSQL);
  }
}
