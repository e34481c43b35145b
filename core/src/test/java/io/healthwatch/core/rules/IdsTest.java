package io.healthwatch.core.rules;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  @DisplayName("ids made in a row are unique and sort in the order they were made, even within one millisecond")
  void monotonic() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(Ids.next(1_764_000_000_000L + i / 1000));
    }
    assertThat(new HashSet<>(ids)).hasSize(ids.size());
    List<String> sorted = new ArrayList<>(ids);
    sorted.sort(null);
    assertThat(sorted).isEqualTo(ids);
  }

  @Test
  @DisplayName("an id carries its time and looks like a ULID")
  void carriesTime() {
    String id = Ids.next(1_764_000_000_000L);
    assertThat(id).hasSize(26).matches("[0-9A-HJKMNP-TV-Z]{26}").startsWith("01K");
    assertThat(Ids.millisOf(id)).isEqualTo(1_764_000_000_000L);
  }

  @Test
  @DisplayName("derived ids depend on every part")
  void derived() {
    assertThat(Ids.derived(5, "a", "b")).isEqualTo(Ids.derived(5, "a", "b"))
        .isNotEqualTo(Ids.derived(5, "ab", "")).isNotEqualTo(Ids.derived(6, "a", "b"));
  }
}
