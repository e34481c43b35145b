package io.healthwatch.it;

import org.junit.jupiter.api.DisplayName;

@DisplayName("Kill -9 and SIGTERM of the packaged server on the disk backend")
class DiskCrashRecoveryTest extends CrashRecoveryTest {
  DiskCrashRecoveryTest() {
    super(Backend.DISK);
  }
}
