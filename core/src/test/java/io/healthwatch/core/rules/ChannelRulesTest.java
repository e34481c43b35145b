package io.healthwatch.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.ChannelStatus;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.StoreEvent;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ChannelRulesTest {
  final ChannelRules rules = new ChannelRules(3);

  static Sample ok(long t) {
    return new Sample("api", t, true, 7L, null, null, null);
  }

  static Sample fail(long t, Reason r) {
    return new Sample("api", t, false, null, r, null, null);
  }

  ChannelRules.Batch run(Sample... samples) {
    return rules.applyAll(List.of(samples), c -> null, id -> null);
  }

  @Test
  @DisplayName("unknown -> online on the first success, with a state event")
  void firstSuccess() {
    ChannelRules.Step step = rules.apply(ChannelState.unknown("api"), null, ok(100));
    assertThat(step.state().state()).isEqualTo(ChannelStatus.ONLINE);
    assertThat(step.state().lastStateChangeAt()).isEqualTo(100L);
    assertThat(step.outage()).isNull();
    assertThat(step.events()).hasSize(2);
  }

  @Test
  @DisplayName("a success on an online channel emits only the sample")
  void steadyOnline() {
    ChannelState online = rules.apply(ChannelState.unknown("api"), null, ok(1)).state();
    ChannelRules.Step step = rules.apply(online, null, ok(2));
    assertThat(step.events()).singleElement().isInstanceOf(StoreEvent.SampleStored.class);
    assertThat(step.state().lastStateChangeAt()).isEqualTo(1L);
    assertThat(step.state().sampleCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("the threshold opens an outage from the streak's first failure and reason")
  void outageOpens() {
    ChannelRules.Batch b = run(ok(1), fail(10, Reason.DNS), fail(20, null), fail(30, Reason.TCP));
    ChannelState s = b.states().get("api");
    assertThat(s.state()).isEqualTo(ChannelStatus.OFFLINE);
    Outage o = b.outages().get(s.openOutageId());
    assertThat(o.firstFailureAt()).isEqualTo(10);
    assertThat(o.confirmedAt()).isEqualTo(30);
    assertThat(o.reason()).isEqualTo(Reason.DNS);
    assertThat(o.failureCount()).isEqualTo(3);
    assertThat(Ids.millisOf(o.id())).isEqualTo(10);
  }

  @Test
  @DisplayName("the same history gives the same outage id every time")
  void deterministicIds() {
    String a = run(fail(10, null), fail(20, null), fail(30, null)).states().get("api").openOutageId();
    String b = run(fail(10, null), fail(20, null), fail(30, null)).states().get("api").openOutageId();
    assertThat(a).isEqualTo(b).hasSize(26);
  }

  @Test
  @DisplayName("recovery closes the outage with recoveredAt minus firstFailureAt")
  void recovery() {
    ChannelRules.Batch b = run(fail(10, null), fail(20, null), fail(30, null), fail(40, null), ok(100));
    Outage o = b.outages().values().iterator().next();
    assertThat(o.recoveredAt()).isEqualTo(100);
    assertThat(o.actualDuration()).isEqualTo(90);
    assertThat(o.failureCount()).isEqualTo(4);
    assertThat(b.states().get("api").openOutageId()).isNull();
    assertThat(b.states().get("api").failureStreakStartedAt()).isNull();
  }

  @Test
  @DisplayName("an older sample is counted and changes nothing else")
  void olderSample() {
    ChannelState online = rules.apply(ChannelState.unknown("api"), null, ok(100)).state();
    ChannelRules.Step step = rules.apply(online, null, fail(50, Reason.TLS));
    assertThat(step.state()).isEqualTo(new ChannelState("api", ChannelStatus.ONLINE, 100L, true, 7L, 0, 100L, 2, null, null, null));
  }

  @Test
  @DisplayName("a sample at the same time as the last one counts as new")
  void sameTimestamp() {
    ChannelState online = rules.apply(ChannelState.unknown("api"), null, ok(100)).state();
    assertThat(rules.apply(online, null, fail(100, null)).state().consecutiveFailures()).isEqualTo(1);
  }

  @Test
  @DisplayName("batches read stored states and outages through the given functions")
  void batchUsesStoredState() {
    ChannelRules.Batch first = run(fail(10, null), fail(20, null), fail(30, null));
    ChannelState stored = first.states().get("api");
    Map<String, Outage> outages = first.outages();
    ChannelRules.Batch second = rules.applyAll(List.of(ok(40)), c -> stored, outages::get);
    assertThat(second.outages().get(stored.openOutageId()).recoveredAt()).isEqualTo(40);
  }

  @Test
  @DisplayName("a threshold below one is refused")
  void badThreshold() {
    assertThatThrownBy(() -> new ChannelRules(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
