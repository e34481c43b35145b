package io.healthwatch.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Reason;
import io.healthwatch.core.model.Sample;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * A synthetic probe: it owns a few channels and sends them batches of new samples, one batch at a
 * time, over HTTP or over WebSocket ({@code {"type":"ingest"}} frames), with runs of failures that
 * open and close outages. It remembers what the server acknowledged, per channel in the order
 * sent, and the one batch whose answer it never got (the server died or stopped meanwhile).
 *
 * <p>Since a channel has one probe and the probe has one batch in flight, what the server stores
 * of a channel must be exactly the acknowledged samples, possibly followed by the batch in doubt,
 * which is stored whole (in every channel it touches) or not at all.
 */
public final class Probe {
  public enum Transport { HTTP, WEBSOCKET }

  private static final Reason[] REASONS = Reason.values();

  private final String name;
  private final Transport transport;
  private final String token;
  private final List<String> channels;
  private final int maxBatch;
  private final Random random;
  private final Map<String, Long> nextTimestamp = new LinkedHashMap<>();
  private final Map<String, Integer> failuresLeft = new LinkedHashMap<>();
  private final Map<String, List<Sample>> acknowledged = new LinkedHashMap<>();
  private List<Sample> inDoubt = List.of();
  /** A batch to send again before anything new, and how many of it the server must call new. */
  private List<Sample> retry = List.of();
  private int retryAccepted;
  private long requests;
  private int doubtsStored;
  private int doubtsAbsent;
  private HttpApi http;
  private LiveConnection live;

  /**
   * @param channels the channels this probe alone writes
   * @param start the first timestamp; later ones grow by a few milliseconds per sample
   */
  public Probe(String name, Transport transport, String token, List<String> channels, int maxBatch, long start, long seed) {
    this.name = name;
    this.transport = transport;
    this.token = token;
    this.channels = List.copyOf(channels);
    this.maxBatch = maxBatch;
    this.random = new Random(seed);
    for (String c : channels) {
      nextTimestamp.put(c, start);
      failuresLeft.put(c, 0);
      acknowledged.put(c, new ArrayList<>());
    }
  }

  public String name() {
    return name;
  }

  public List<String> channels() {
    return channels;
  }

  /** The acknowledged samples of each channel, in the order the server acknowledged them. */
  public Map<String, List<Sample>> acknowledged() {
    return acknowledged;
  }

  /** Batches found stored, and found absent, when their answer never came. */
  public int[] doubts() {
    return new int[] {doubtsStored, doubtsAbsent};
  }

  public int acknowledgedCount() {
    return acknowledged.values().stream().mapToInt(List::size).sum();
  }

  /** Opens its connection (a WebSocket, or an HTTP client) to a running server. */
  public void connect(ServerProcess server, Vertx vertx) {
    disconnect();
    if (transport == Transport.HTTP) {
      http = new HttpApi(server, token);
    } else {
      live = LiveConnection.open(vertx, server, token);
    }
  }

  public void disconnect() {
    if (live != null) {
      live.close();
      live = null;
    }
    http = null;
  }

  /**
   * Sends batches until {@code stop} is set or the server goes away (then the batch in flight is
   * in doubt). A batch left in doubt by an earlier run is sent again first.
   */
  public void run(AtomicBoolean stop, int maxBatches) {
    if (!retry.isEmpty() && !resend()) {
      return;
    }
    for (int i = 0; i < maxBatches && !stop.get(); i++) {
      if (!send(nextBatch())) {
        return;
      }
    }
  }

  private boolean resend() {
    List<Sample> batch = retry;
    Ack ack = deliver(batch);
    if (ack == null) {
      return false;
    }
    assertThat(ack.accepted()).as("%s: new samples in a batch sent again after a restart", name).isEqualTo(retryAccepted);
    assertThat(ack.duplicates()).as("%s: duplicates in a batch sent again after a restart", name)
        .isEqualTo(batch.size() - retryAccepted);
    if (retryAccepted > 0) {
      batch.forEach(s -> acknowledged.get(s.channelId()).add(s));
    }
    retry = List.of();
    return true;
  }

  private boolean send(List<Sample> batch) {
    Ack ack = deliver(batch);
    if (ack == null) {
      return false;
    }
    assertThat(ack.accepted()).as("%s: samples accepted of a new batch of %d", name, batch.size()).isEqualTo(batch.size());
    batch.forEach(s -> acknowledged.get(s.channelId()).add(s));
    return true;
  }

  /** Sends a batch; null (and the batch in doubt) when the server went away before answering. */
  private Ack deliver(List<Sample> batch) {
    inDoubt = batch;
    String body = batch.stream().map(Json::toApiJson).collect(Collectors.joining(",", "[", "]"));
    Ack ack;
    try {
      ack = transport == Transport.HTTP ? overHttp(body) : overWebSocket(body);
    } catch (IOException | LiveConnection.Closed | IllegalStateException e) {
      return null;
    }
    if (ack != null) {
      inDoubt = List.of();
    }
    return ack;
  }

  private Ack overHttp(String body) throws IOException {
    HttpApi.Response r = http.callOrThrow("POST", "/api/v1/samples", "application/json", HttpRequest.BodyPublishers.ofString(body));
    if (r.status() == 503) {
      // the server is stopping: not stored, but the probe cannot know that from here
      return null;
    }
    assertThat(r.status()).as("%s: answer to a batch: %s", name, r.body()).isEqualTo(200);
    JsonNode json = r.json();
    return new Ack(json.path("accepted").asInt(), json.path("duplicates").asInt());
  }

  private Ack overWebSocket(String body) {
    String id = name + "-" + ++requests;
    JsonNode answer = live.request(id, "{\"type\":\"ingest\",\"id\":\"" + id + "\",\"samples\":" + body + "}");
    if ("error".equals(answer.path("type").asText()) && "unavailable".equals(answer.path("error").path("code").asText())) {
      return null;
    }
    assertThat(answer.path("type").asText()).as("%s: answer to an ingest frame: %s", name, answer).isEqualTo("ack");
    return new Ack(answer.path("accepted").asInt(), answer.path("duplicates").asInt());
  }

  private record Ack(int accepted, int duplicates) {}

  /** The next batch: 1 to maxBatch new samples over this probe's channels, each channel's in time order. */
  List<Sample> nextBatch() {
    int size = 1 + random.nextInt(maxBatch);
    List<Sample> batch = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      batch.add(nextSample(channels.get(random.nextInt(channels.size()))));
    }
    return batch;
  }

  private Sample nextSample(String channel) {
    long ts = nextTimestamp.get(channel);
    nextTimestamp.put(channel, ts + 1 + random.nextInt(20));
    int left = failuresLeft.get(channel);
    if (left == 0 && random.nextInt(8) == 0) {
      left = 1 + random.nextInt(6);
    }
    boolean success = left == 0;
    failuresLeft.put(channel, Math.max(0, left - 1));
    Long latency = random.nextInt(10) == 0 ? null : Long.valueOf(random.nextInt(2_000));
    Reason reason = success || random.nextInt(5) == 0 ? null : REASONS[random.nextInt(REASONS.length)];
    String note = random.nextInt(10) == 0 ? "note " + ts + " \"quoted\" ✓" : null;
    return new Sample(channel, ts, success, latency, reason, note, "probe-" + name);
  }

  /**
   * Checks what the server holds of this probe's channels against what it acknowledged: every
   * acknowledged sample once, in order, and the batch in doubt whole or not at all. Afterwards the
   * batch in doubt counts as acknowledged if it was stored, and is sent again on the next run
   * either way (the server must then call it all new or all duplicate).
   */
  public void verifyStored(HttpApi api) {
    Map<String, List<Sample>> stored = new LinkedHashMap<>();
    channels.forEach(c -> stored.put(c, api.allSamples(c)));
    Map<String, List<Sample>> withDoubt = new LinkedHashMap<>();
    acknowledged.forEach((c, samples) -> withDoubt.put(c, new ArrayList<>(samples)));
    inDoubt.forEach(s -> withDoubt.get(s.channelId()).add(s));
    boolean doubtStored = !inDoubt.isEmpty() && stored.equals(withDoubt);
    if (!doubtStored) {
      for (String c : channels) {
        assertThat(stored.get(c))
            .as("%s: channel %s holds exactly its %d acknowledged samples in order (a batch of %d in doubt: whole or absent)",
                name, c, acknowledged.get(c).size(), inDoubt.size())
            .containsExactlyElementsOf(acknowledged.get(c));
      }
    }
    if (!inDoubt.isEmpty()) {
      if (doubtStored) {
        doubtsStored++;
      } else {
        doubtsAbsent++;
      }
    }
    retry = inDoubt;
    retryAccepted = doubtStored ? 0 : inDoubt.size();
    if (doubtStored) {
      inDoubt.forEach(s -> acknowledged.get(s.channelId()).add(s));
    }
    inDoubt = List.of();
  }
}
