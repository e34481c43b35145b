package io.healthwatch.server.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.healthwatch.server.config.ConfigException;
import io.healthwatch.server.config.ServerConfig;
import io.healthwatch.server.config.Setting;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * How a server joins the others of {@code --cluster}: a Hazelcast member on {@code --cluster-port}
 * (of {@code --cluster-host} when given) that finds the others only through the listed members
 * (TCP-IP; multicast and cloud discovery off), and the Vert.x clustered event bus on a free port of
 * the same address. Hazelcast keeps quiet (no phone-home, its INFO lines off in logback.xml),
 * starts at once instead of waiting for members that are not up yet, notices a dead member within
 * seconds, and leaves within the shutdown deadline.
 */
public final class Clustering {
  /** The Hazelcast cluster name: members of other clusters on the same hosts are not joined. */
  public static final String CLUSTER_NAME = "healthwatch";
  /** Seconds to wait for a listed member to accept a connection while joining. */
  static final int JOIN_CONNECT_TIMEOUT_SECONDS = 2;
  /** Seconds without a heartbeat after which a member counts as dead. */
  static final int MAX_NO_HEARTBEAT_SECONDS = 10;
  /** Seconds a leaving member waits for its data to move to the others; below the 10 s SIGTERM deadline. */
  static final int GRACEFUL_SHUTDOWN_SECONDS = 5;

  private Clustering() {}

  /** The cluster manager of a server whose {@link ServerConfig#clusterMembers()} is not empty. */
  public static HazelcastClusterManager clusterManager(ServerConfig config) {
    return new HazelcastClusterManager(hazelcast(config));
  }

  /** The Hazelcast configuration: Vert.x's defaults for its own maps, and the members of the config. */
  public static Config hazelcast(ServerConfig config) {
    // Hazelcast logs its first lines before it reads its config: through SLF4J from the start
    System.setProperty("hazelcast.logging.type", "slf4j");
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(CLUSTER_NAME);
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.health.monitoring.level", "OFF");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.tcp.join.port.try.count", "1");
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(MAX_NO_HEARTBEAT_SECONDS));
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
    // a handful of servers share a few small maps (the event bus's subscriptions): 271 partitions are far too many
    hz.setProperty("hazelcast.partition.count", "31");
    hz.setProperty("hazelcast.graceful.shutdown.max.wait", String.valueOf(GRACEFUL_SHUTDOWN_SECONDS));
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(config.clusterPort()).setPortAutoIncrement(false);
    String address = address(config);
    if (address != null) {
      // bind only the given address, and announce it to the others
      hz.setProperty("hazelcast.socket.bind.any", "false");
      network.getInterfaces().setEnabled(true).setInterfaces(List.of(address));
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true)
        .setMembers(config.clusterMembers())
        .setConnectionTimeoutSeconds(JOIN_CONNECT_TIMEOUT_SECONDS);
    return hz;
  }

  /** The event bus listens on a free port of the cluster address (Hazelcast's choice when none is given). */
  public static EventBusOptions eventBus(ServerConfig config) {
    EventBusOptions options = new EventBusOptions().setPort(0);
    String address = address(config);
    if (address != null) {
      options.setHost(address);
    }
    return options;
  }

  /** The IP address of {@code --cluster-host}: Hazelcast's interface list takes addresses, not names. */
  private static String address(ServerConfig config) {
    if (config.clusterHost() == null) {
      return null;
    }
    try {
      return InetAddress.getByName(config.clusterHost()).getHostAddress();
    } catch (UnknownHostException e) {
      throw ConfigException.of(Setting.CLUSTER_HOST, null, "cannot resolve '" + config.clusterHost() + "'");
    }
  }
}
