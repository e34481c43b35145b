package io.healthwatch.core.model;

/**
 * Something a write caused that live subscribers are told about. Events of one channel are
 * produced in the order they happened.
 */
public sealed interface StoreEvent {

  /** The channel the event belongs to, or null for watch events, which go to every subscriber. */
  String channelId();

  /** A sample was stored (duplicates produce no event). */
  record SampleStored(Sample sample) implements StoreEvent {
    @Override
    public String channelId() {
      return sample.channelId();
    }
  }

  /** A channel's {@code state} changed. */
  record StateChanged(ChannelState channel) implements StoreEvent {
    @Override
    public String channelId() {
      return channel.channelId();
    }
  }

  /** An outage was opened or closed. */
  record OutageChanged(Outage outage) implements StoreEvent {
    @Override
    public String channelId() {
      return outage.channelId();
    }
  }

  /** A watch started or ended. */
  record WatchChanged(WatchSession watch) implements StoreEvent {
    @Override
    public String channelId() {
      return null;
    }
  }
}
