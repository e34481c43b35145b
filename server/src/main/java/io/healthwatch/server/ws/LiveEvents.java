package io.healthwatch.server.ws;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.storage.HealthStore;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Carries store events to WebSocket clients over the event bus. One store listener turns each
 * event into its frame text, once, and publishes it on {@link #ADDRESS} with the channel id in the
 * {@link #CHANNEL_HEADER} header (absent for watch events, which go to every subscriber). Every
 * HTTP verticle consumes the address and fans the frames out to its own connections; with a
 * clustered event bus the same frames reach the connections of every node.
 */
public final class LiveEvents {
  public static final String ADDRESS = "healthwatch.events";
  public static final String CHANNEL_HEADER = "channel";

  private LiveEvents() {}

  /** Registers the one listener of a server on its store. */
  public static void bridge(HealthStore store, EventBus bus) {
    store.addListener(event -> {
      DeliveryOptions options = new DeliveryOptions();
      if (event.channelId() != null) {
        options.addHeader(CHANNEL_HEADER, event.channelId());
      }
      bus.publish(ADDRESS, frame(event), options);
    });
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
