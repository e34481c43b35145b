package io.healthwatch.server;

import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.server.api.AuditTrail;
import io.healthwatch.server.api.HealthApi;
import io.healthwatch.server.cluster.Clustering;
import io.healthwatch.server.config.ConfigException;
import io.healthwatch.server.config.ServerConfig;
import io.healthwatch.server.http.ApiVerticle;
import io.healthwatch.server.metrics.ServerMetrics;
import io.healthwatch.server.ws.LiveEvents;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running server: its own Vert.x with Prometheus metrics, one store, and one {@link ApiVerticle}
 * per event loop sharing the port. {@link #start} returns once it listens; {@link #stop} stops
 * accepting, lets in-flight requests finish, closes the store and Vert.x. Tests and the
 * {@code serve} command both use it.
 */
public final class HealthWatchServer {
  private static final Logger LOG = LoggerFactory.getLogger(HealthWatchServer.class);
  private static final long RETENTION_PERIOD_MS = 3_600_000L;
  private static final long GAUGE_PERIOD_MS = 10_000L;

  private final ServerConfig config;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<String> deployments = new ArrayList<>();
  private Vertx vertx;
  private HealthStore store;
  private ServerMetrics metrics;
  private int port;
  private Future<Void> stopping;

  private HealthWatchServer(ServerConfig config) {
    this.config = config;
  }

  /** Opens the store and listens; fails with a {@link ConfigException} for a setting it cannot run with. */
  public static Future<HealthWatchServer> start(ServerConfig config) {
    return start(config, StoreFactory::open);
  }

  /**
   * Starts with a store from {@code opener} instead of the configured backend: for tests that need
   * a store behaving in a special way (failing, slow), and for embedding.
   */
  public static Future<HealthWatchServer> start(ServerConfig config, BiFunction<Vertx, ServerConfig, Future<HealthStore>> opener) {
    HealthWatchServer server = new HealthWatchServer(config);
    // Context-free promises: a failed start closes Vert.x, and a future bound to one of its event
    // loops could then never deliver its result.
    Promise<HealthWatchServer> started = Promise.promise();
    server.startAll(opener).onComplete(ar -> {
      if (ar.succeeded()) {
        started.complete(ar.result());
      } else {
        server.stop().onComplete(stopped -> started.fail(ar.cause()));
      }
    });
    return started.future();
  }

  private Future<HealthWatchServer> startAll(BiFunction<Vertx, ServerConfig, Future<HealthStore>> opener) {
    int loops = Math.max(1, config.eventLoops());
    boolean clustered = !config.clusterMembers().isEmpty();
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(loops).setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setRegistryName("healthwatch-" + UUID.randomUUID())
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    VertxBuilder builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry));
    // composed on a succeeded future, so that a setting the cluster cannot use fails the start, not the caller
    Future<Vertx> built = !clustered ? Future.succeededFuture(builder.with(options).build())
        : Future.<Void>succeededFuture().compose(x -> builder
            .with(options.setEventBusOptions(Clustering.eventBus(config)))
            .withClusterManager(Clustering.clusterManager(config))
            .buildClustered()
            .recover(e -> Future.failedFuture(e instanceof ConfigException ? e : new IllegalStateException(
                "cannot join the cluster " + String.join(",", config.clusterMembers()) + " on port "
                    + config.clusterPort() + ": " + e.getMessage(), e))));
    metrics = new ServerMetrics(registry, config.storageStats());
    return built.compose(v -> {
      vertx = v;
      return opener.apply(vertx, config);
    }).compose(opened -> {
      store = opened;
      if (!clustered) {
        LiveEvents.bridge(store, vertx.eventBus());
        return Future.succeededFuture();
      }
      String origin = UUID.randomUUID().toString();
      LiveEvents.bridge(store, vertx.eventBus(), origin);
      MessageConsumer<String> relay = LiveEvents.relay(vertx.eventBus(), origin);
      return relay.completion();
    }).compose(relaying -> {
      HealthApi api = new HealthApi(store, config, metrics);
      // Port 0 asks for any free port; -1 makes Vert.x pick one free port shared by every instance.
      int listenPort = config.port() == 0 ? -1 : config.port();
      List<ApiVerticle> instances = new CopyOnWriteArrayList<>();
      return vertx.deployVerticle(() -> {
        ApiVerticle v = new ApiVerticle(api, config, metrics, registry, listenPort);
        instances.add(v);
        return v;
      }, new DeploymentOptions().setInstances(loops)).onSuccess(id -> {
        deployments.add(id);
        port = instances.get(0).actualPort();
      });
    }).map(id -> {
      scheduleRetention();
      watchStorage();
      LOG.info("listening on http://{}:{} with {} event loop(s), storage {}{}", config.host(), port, loops,
          config.storage().wireName(), clustered ? ", cluster member on port " + config.clusterPort() : "");
      return this;
    });
  }

  /** Keeps the storage gauges of {@code /metrics} current between readiness checks. */
  private void watchStorage() {
    metrics.refreshGauges(store);
    vertx.setPeriodic(GAUGE_PERIOD_MS, id -> metrics.refreshGauges(store));
  }

  private void scheduleRetention() {
    runRetention();
    vertx.setPeriodic(RETENTION_PERIOD_MS, id -> runRetention());
  }

  private void runRetention() {
    long cutoff = config.clock().millis() - TimeUnit.DAYS.toMillis(config.retentionDays());
    store.applyRetention(cutoff)
        .compose(r -> {
          if (r.samplesRemoved() > 0 || r.rollupBucketsRemoved() > 0) {
            LOG.info("retention removed {} samples older than {} and {} hour rollups older than {}",
                r.samplesRemoved(), r.cutoff(), r.rollupBucketsRemoved(), r.rollupCutoff());
          }
          return new AuditTrail(store, config.clock()).system(AuditRecord.RETENTION_RUN, "samples",
              "cutoff=" + r.cutoff() + " removed=" + r.samplesRemoved());
        })
        .onFailure(e -> LOG.warn("retention run failed: {}", e.toString()));
  }

  /** The port the server listens on. */
  public int port() {
    return port;
  }

  public ServerConfig config() {
    return config;
  }

  /** The one store of this server, for tests and embedding commands. */
  public HealthStore store() {
    return store;
  }

  /** Stops accepting, finishes in-flight requests, closes the store and Vert.x. Idempotent. */
  public synchronized Future<Void> stop() {
    if (stopping != null) {
      return stopping;
    }
    if (vertx == null) {
      stopping = Future.succeededFuture();
      return stopping;
    }
    List<Future<?>> undeploys = deployments.stream().<Future<?>>map(vertx::undeploy).toList();
    Promise<Void> done = Promise.promise();
    stopping = done.future();
    Future.join(undeploys)
        .transform(ar -> {
          if (ar.failed()) {
            LOG.warn("stopping the HTTP servers failed: {}", ar.cause().toString());
          }
          return store == null ? Future.<Void>succeededFuture() : store.close();
        })
        .onComplete(storeClosed -> {
          if (storeClosed.failed()) {
            LOG.error("closing the store failed", storeClosed.cause());
          }
          // Vert.x's own close future is not bound to an event loop, so its listener runs even
          // after every event loop has stopped.
          vertx.close().onComplete(closed -> {
            registry.close();
            if (storeClosed.failed()) {
              done.fail(storeClosed.cause());
            } else if (closed.failed()) {
              done.fail(closed.cause());
            } else {
              done.complete();
            }
          });
        });
    return stopping;
  }
}
