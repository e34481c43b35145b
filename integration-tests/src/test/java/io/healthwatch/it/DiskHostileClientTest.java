package io.healthwatch.it;

import org.junit.jupiter.api.DisplayName;

@DisplayName("A hostile client of the packaged server on the disk backend")
class DiskHostileClientTest extends HostileClientTest {
  DiskHostileClientTest() {
    super(Backend.DISK);
  }
}
