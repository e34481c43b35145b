package io.healthwatch.server.ws;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.storage.HealthStore;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Carries store events to WebSocket clients over the event bus. One store listener turns each
 * event into its frame text, once, and publishes it on {@link #ADDRESS} with the channel id in the
 * {@link #CHANNEL_HEADER} header (absent for watch events, which go to every subscriber). Every
 * HTTP verticle consumes the address (a local consumer) and fans the frames out to its own
 * connections.
 *
 * <p>In a cluster the listener also publishes each frame once on {@link #CLUSTER_ADDRESS}, marked
 * with the server's {@link #ORIGIN_HEADER}. Each server has one consumer of that address (the
 * {@link #relay}), which the clustered event bus reaches once per server; it passes the frames of
 * the other servers on to its local {@link #ADDRESS} and ignores its own, which went there
 * directly. So every connection gets every event of the cluster once, and a server's own events
 * reach its own connections even while the cluster is in trouble.
 */
public final class LiveEvents {
  public static final String ADDRESS = "healthwatch.events";
  public static final String CLUSTER_ADDRESS = "healthwatch.cluster.events";
  public static final String CHANNEL_HEADER = "channel";
  public static final String ORIGIN_HEADER = "origin";

  private LiveEvents() {}

  /** Registers the one listener of a single server on its store. */
  public static void bridge(HealthStore store, EventBus bus) {
    bridge(store, bus, null);
  }

  /**
   * Registers the one listener of a server on its store; with an {@code origin} (a server of a
   * cluster) every event is also published to the cluster under that origin.
   */
  public static void bridge(HealthStore store, EventBus bus, String origin) {
    store.addListener(event -> {
      String frame = frame(event);
      bus.publish(ADDRESS, frame, options(event.channelId()).setLocalOnly(true));
      if (origin != null) {
        bus.publish(CLUSTER_ADDRESS, frame, options(event.channelId()).addHeader(ORIGIN_HEADER, origin));
      }
    });
  }

  /**
   * The consumer through which a server of a cluster hands the other servers' events to its own
   * connections; its completion says when the cluster knows of it.
   */
  public static MessageConsumer<String> relay(EventBus bus, String origin) {
    return bus.consumer(CLUSTER_ADDRESS, msg -> {
      if (!origin.equals(msg.headers().get(ORIGIN_HEADER))) {
        bus.publish(ADDRESS, msg.body(), options(msg.headers().get(CHANNEL_HEADER)).setLocalOnly(true));
      }
    });
  }

  private static DeliveryOptions options(String channelId) {
    DeliveryOptions options = new DeliveryOptions();
    if (channelId != null) {
      options.addHeader(CHANNEL_HEADER, channelId);
    }
    return options;
  }

  /** The frame a client receives for an event. */
  public static String frame(StoreEvent event) {
    Map<String, Object> f = new LinkedHashMap<>();
    if (event instanceof StoreEvent.SampleStored e) {
      f.put("type", "sample");
      f.put("sample", e.sample());
    } else if (event instanceof StoreEvent.StateChanged e) {
      f.put("type", "state");
      f.put("channel", e.channel());
    } else if (event instanceof StoreEvent.OutageChanged e) {
      f.put("type", "outage");
      f.put("outage", e.outage());
    } else if (event instanceof StoreEvent.WatchChanged e) {
      f.put("type", "watch");
      f.put("watch", e.watch());
    }
    return Json.toApiJson(f);
  }
}
