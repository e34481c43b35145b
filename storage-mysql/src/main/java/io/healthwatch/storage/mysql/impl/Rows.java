package io.healthwatch.storage.mysql.impl;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.ChannelStatus;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.WatchChannelStats;
import io.healthwatch.core.model.WatchSession;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Converts between rows and the core model, in the column orders of {@link SqlQueries}. */
final class Rows {
  private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {};
  private static final TypeReference<Map<String, WatchChannelStats>> STATS_MAP = new TypeReference<>() {};

  private Rows() {}

  static Sample sample(Row r) {
    return new Sample(r.getString("channel_id"), r.getLong("timestamp"), flag(r, "success"), r.getLong("latency_ms"),
        reason(r.getString("reason")), r.getString("note"), r.getString("probe_id"));
  }

  static void addSample(List<Object> params, Sample s) {
    params.add(s.channelId());
    params.add(s.timestamp());
    params.add(s.success());
    params.add(s.latencyMs());
    params.add(wire(s.reason()));
    params.add(s.note());
    params.add(s.probeId());
  }

  static ChannelState state(Row r) {
    return new ChannelState(r.getString("channel_id"), status(r.getString("state")), r.getLong("last_sample_at"),
        r.getValue("last_sample_success") == null ? null : flag(r, "last_sample_success"),
        r.getLong("last_latency_ms"), r.getInteger("consecutive_failures"), r.getLong("last_state_change_at"),
        r.getLong("sample_count"), r.getString("open_outage_id"), r.getLong("failure_streak_started_at"),
        reason(r.getString("failure_streak_reason")));
  }

  /** A whole row of {@link SqlQueries#UPSERT_STATE}: the channel id, then the other columns. */
  static Tuple stateRow(ChannelState s) {
    Object[] values = stateValues(s);
    Object[] row = new Object[values.length + 1];
    row[0] = s.channelId();
    System.arraycopy(values, 0, row, 1, values.length);
    return Tuple.from(row);
  }

  /** The values of {@link SqlQueries#STATE_UPDATE_COLUMNS}, in order. */
  static Object[] stateValues(ChannelState s) {
    return new Object[] {s.state().wireName(), s.lastSampleAt(), s.lastSampleSuccess(), s.lastLatencyMs(),
        s.consecutiveFailures(), s.lastStateChangeAt(), s.sampleCount(), s.openOutageId(), s.failureStreakStartedAt(),
        wire(s.failureStreakReason())};
  }

  static Outage outage(Row r) {
    return new Outage(r.getString("id"), r.getString("channel_id"), r.getLong("first_failure_at"),
        r.getLong("confirmed_at"), r.getLong("recovered_at"), r.getLong("actual_duration"),
        r.getInteger("failure_count"), reason(r.getString("reason")));
  }

  static Tuple outageInsert(Outage o) {
    return Tuple.from(new Object[] {o.id(), o.channelId(), o.firstFailureAt(), o.confirmedAt(), o.recoveredAt(),
        o.actualDuration(), o.failureCount(), wire(o.reason())});
  }

  static Tuple outageUpdate(Outage o) {
    return Tuple.of(o.recoveredAt(), o.actualDuration(), o.failureCount(), o.id());
  }

  static WatchSession watch(Row r) {
    String stats = r.getString("stats");
    return new WatchSession(r.getString("id"), r.getLong("started_at"), r.getLong("ends_at"), r.getLong("ended_at"),
        read(r.getString("channels"), STRING_LIST), stats == null ? Map.of() : read(stats, STATS_MAP));
  }

  static String json(Object value) {
    return Json.toStorageJson(value);
  }

  static <T> List<T> list(Iterable<Row> rows, java.util.function.Function<Row, T> mapper) {
    List<T> out = new ArrayList<>();
    for (Row r : rows) {
      out.add(mapper.apply(r));
    }
    return out;
  }

  private static <T> T read(String json, TypeReference<T> type) {
    try {
      return Json.MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean flag(Row r, String column) {
    Object v = r.getValue(column);
    return v instanceof Boolean b ? b : ((Number) v).intValue() != 0;
  }

  private static ChannelStatus status(String s) {
    return ChannelStatus.valueOf(s.toUpperCase(Locale.ROOT));
  }

  private static Reason reason(String s) {
    return s == null || s.isEmpty() ? null : Reason.fromWire(s).orElse(null);
  }

  private static String wire(Reason r) {
    return r == null ? null : r.wireName();
  }
}
