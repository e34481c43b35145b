package io.healthwatch.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void aBufferHoldsTheSameJsonAsTheString() {
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      boolean ok = i % 7 != 0;
      samples.add(new Sample("ch-é-" + i % 3, 1_700_000_000_000L + i, ok, ok ? 20L + i % 180 : null,
          ok ? null : Reason.TIMEOUT, ok ? null : "no answer — \"quoted\" \u2603 \uD83D\uDE00", "probe-" + i % 2));
    }
    Map<String, Object> body = Map.of("channelId", "ch-é", "samples", samples);

    String expected = Json.toApiJson(body);
    assertThat(expected.getBytes(StandardCharsets.UTF_8).length).as("larger than Jackson's own output buffer")
        .isGreaterThan(64 * 1024);
    assertThat(Json.toApiJsonBuffer(body).toString(StandardCharsets.UTF_8)).isEqualTo(expected);
    assertThat(Json.toApiJsonBuffer(List.of()).toString(StandardCharsets.UTF_8)).isEqualTo("[]");
  }
}
