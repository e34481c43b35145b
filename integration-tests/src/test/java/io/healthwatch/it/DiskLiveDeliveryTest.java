package io.healthwatch.it;

import org.junit.jupiter.api.DisplayName;

@DisplayName("Live delivery to dashboards from the packaged server on the disk backend")
class DiskLiveDeliveryTest extends LiveDeliveryTest {
  DiskLiveDeliveryTest() {
    super(Backend.DISK);
  }
}
