package io.healthwatch.it;

import org.junit.jupiter.api.DisplayName;

@DisplayName("Live delivery to dashboards from the packaged server on the MySQL backend")
class MySqlLiveDeliveryTest extends LiveDeliveryTest {
  MySqlLiveDeliveryTest() {
    super(Backend.MYSQL);
  }
}
