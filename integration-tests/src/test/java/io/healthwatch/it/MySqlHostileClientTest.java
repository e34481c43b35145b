package io.healthwatch.it;

import org.junit.jupiter.api.DisplayName;

@DisplayName("A hostile client of the packaged server on the MySQL backend")
class MySqlHostileClientTest extends HostileClientTest {
  MySqlHostileClientTest() {
    super(Backend.MYSQL);
  }
}
