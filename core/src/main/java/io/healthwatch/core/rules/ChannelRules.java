package io.healthwatch.core.rules;

import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.ChannelStatus;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.StoreEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The channel state machine, as pure functions. A channel is {@code unknown} until its first
 * sample, {@code online} after a success, and {@code offline} once its consecutive failures reach
 * the threshold, which opens an outage; the next success closes it. A sample older than the
 * channel's last one is counted but changes nothing else.
 */
public final class ChannelRules {
  private final int outageThreshold;

  public ChannelRules(int outageThreshold) {
    if (outageThreshold < 1) {
      throw new IllegalArgumentException("outage threshold must be at least 1");
    }
    this.outageThreshold = outageThreshold;
  }

  public int outageThreshold() {
    return outageThreshold;
  }

  /**
   * What one new (not duplicate) sample does to a channel.
   *
   * @param current the channel before the sample ({@link ChannelState#unknown} for a new one)
   * @param openOutage the channel's open outage, or null; must match {@code current.openOutageId}
   */
  public Step apply(ChannelState current, Outage openOutage, Sample s) {
    List<StoreEvent> events = new ArrayList<>(3);
    events.add(new StoreEvent.SampleStored(s));
    long count = current.sampleCount() + 1;
    if (current.lastSampleAt() != null && s.timestamp() < current.lastSampleAt()) {
      ChannelState counted = new ChannelState(current.channelId(), current.state(), current.lastSampleAt(),
          current.lastSampleSuccess(), current.lastLatencyMs(), current.consecutiveFailures(),
          current.lastStateChangeAt(), count, current.openOutageId(), current.failureStreakStartedAt(),
          current.failureStreakReason());
      return new Step(counted, null, events);
    }
    return s.success() ? success(current, openOutage, s, count, events) : failure(current, openOutage, s, count, events);
  }

  private Step success(ChannelState c, Outage open, Sample s, long count, List<StoreEvent> events) {
    boolean changes = c.state() != ChannelStatus.ONLINE;
    Long changedAt = changes ? Long.valueOf(s.timestamp()) : c.lastStateChangeAt();
    ChannelState next = new ChannelState(c.channelId(), ChannelStatus.ONLINE, s.timestamp(), true, s.latencyMs(), 0,
        changedAt, count, null, null, null);
    Outage closed = null;
    if (changes) {
      events.add(new StoreEvent.StateChanged(next));
    }
    if (open != null) {
      closed = open.closedAt(s.timestamp());
      events.add(new StoreEvent.OutageChanged(closed));
    }
    return new Step(next, closed, events);
  }

  private Step failure(ChannelState c, Outage open, Sample s, long count, List<StoreEvent> events) {
    int failures = c.consecutiveFailures() + 1;
    boolean streakStarts = c.failureStreakStartedAt() == null;
    Long streakStart = streakStarts ? Long.valueOf(s.timestamp()) : c.failureStreakStartedAt();
    var streakReason = streakStarts ? s.reason() : c.failureStreakReason();
    if (open != null) {
      Outage grown = open.withOneMoreFailure();
      ChannelState next = new ChannelState(c.channelId(), c.state(), s.timestamp(), false, s.latencyMs(), failures,
          c.lastStateChangeAt(), count, open.id(), streakStart, streakReason);
      return new Step(next, grown, events);
    }
    if (failures >= outageThreshold) {
      String id = Ids.derived(streakStart, c.channelId(), s.probeId(), Long.toString(s.timestamp()));
      Outage opened = new Outage(id, c.channelId(), streakStart, s.timestamp(), null, null, failures, streakReason);
      ChannelState next = new ChannelState(c.channelId(), ChannelStatus.OFFLINE, s.timestamp(), false, s.latencyMs(),
          failures, s.timestamp(), count, id, streakStart, streakReason);
      events.add(new StoreEvent.StateChanged(next));
      events.add(new StoreEvent.OutageChanged(opened));
      return new Step(next, opened, events);
    }
    ChannelState next = new ChannelState(c.channelId(), c.state(), s.timestamp(), false, s.latencyMs(), failures,
        c.lastStateChangeAt(), count, null, streakStart, streakReason);
    return new Step(next, null, events);
  }

  /**
   * Applies new samples in order, as {@link #apply} does one at a time.
   *
   * @param fresh samples already known not to be duplicates
   * @param stateOf the stored state of a channel, or null for a new one
   * @param outageOf a stored outage by id (called only for open outages)
   */
  public Batch applyAll(List<Sample> fresh, Function<String, ChannelState> stateOf, Function<String, Outage> outageOf) {
    Map<String, ChannelState> states = new LinkedHashMap<>();
    Map<String, Outage> outages = new LinkedHashMap<>();
    List<StoreEvent> events = new ArrayList<>(fresh.size() * 2);
    for (Sample s : fresh) {
      ChannelState before = states.get(s.channelId());
      if (before == null) {
        before = stateOf.apply(s.channelId());
        if (before == null) {
          before = ChannelState.unknown(s.channelId());
        }
      }
      Outage open = null;
      if (before.openOutageId() != null) {
        open = outages.get(before.openOutageId());
        if (open == null) {
          open = outageOf.apply(before.openOutageId());
        }
      }
      Step step = apply(before, open, s);
      states.put(s.channelId(), step.state());
      if (step.outage() != null) {
        outages.put(step.outage().id(), step.outage());
      }
      events.addAll(step.events());
    }
    return new Batch(states, outages, events);
  }

  /**
   * What a batch changes: the channels after it, every outage it opened, grew or closed (by id, in
   * the order first touched), and the events in order.
   */
  public record Batch(Map<String, ChannelState> states, Map<String, Outage> outages, List<StoreEvent> events) {}

  /**
   * The result of one sample: the channel after it, the outage it opened, grew or closed (null if
   * none), and the events to publish.
   */
  public record Step(ChannelState state, Outage outage, List<StoreEvent> events) {}
}
