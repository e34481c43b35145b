package io.healthwatch.storage.mysql.impl;

import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.ErrorCode;
import io.healthwatch.core.model.ChannelState;
import io.healthwatch.core.model.IngestResult;
import io.healthwatch.core.model.Outage;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.model.StoreEvent;
import io.healthwatch.core.model.WatchChannelStats;
import io.healthwatch.core.model.WatchSession;
import io.healthwatch.core.model.WindowStats;
import io.healthwatch.core.rules.ChannelRules;
import io.healthwatch.core.rules.RollupBucket;
import io.healthwatch.core.rules.Ids;
import io.healthwatch.core.rules.WatchRules;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.OutageQuery;
import io.healthwatch.core.storage.RestoreBatch;
import io.healthwatch.core.storage.RetentionResult;
import io.healthwatch.core.storage.SampleQuery;
import io.healthwatch.core.storage.SortOrder;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.storage.StorageGauges;
import io.healthwatch.core.storage.StorageListener;
import io.healthwatch.core.storage.StorageOperation;
import io.healthwatch.core.storage.StoreHealth;
import io.healthwatch.core.storage.StoreOptions;
import io.healthwatch.storage.mysql.MySqlStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.mysqlclient.SslMode;
import io.vertx.sqlclient.DatabaseException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The MySQL implementation of {@link HealthStore}.
 *
 * <p>A batch is applied in one transaction: the rows of its channels are created if missing and
 * locked in channel-id order, the stored identities among its samples are looked up under those
 * locks, the fresh samples are inserted and the channel rules applied to the locked states and open
 * outages. The row locks serialise every writer of a channel, also across servers sharing the
 * database. Under load, batches waiting for a connection share one transaction (group commit), each
 * still all or nothing and answered on its own. Within one store, batches that share a channel
 * also queue locally, so their events reach the listeners in arrival order.
 *
 * <p>Channel states are cached (one entry per channel, never samples) so that the channel list
 * still answers while the database is away.
 */
public final class MySqlHealthStore implements HealthStore {
  private static final System.Logger LOG = System.getLogger(MySqlHealthStore.class.getName());
  private static final int INSERT_CHUNK = 500;
  /** Samples one ingest transaction takes from waiting calls (a single larger call goes alone). */
  private static final int GROUP_SAMPLES = 2_000;
  private static final int LOOKUP_CHUNK = 1_000;
  /** Channels per state write: 12 parameters each, well below the 65,535 of a statement. */
  private static final int STATE_CHUNK = 250;
  private static final int MAX_ATTEMPTS = 6;
  private static final int ER_DUP_ENTRY = 1062;
  private static final int ER_LOCK_WAIT_TIMEOUT = 1205;
  private static final int ER_LOCK_DEADLOCK = 1213;

  private final Vertx vertx;
  private final Pool pool;
  private final StoreOptions options;
  private final ChannelRules rules;
  private final String location;
  private final String secret;
  private final long healthTimeoutMs;
  private final int poolSize;
  private final ConcurrentSkipListMap<String, ChannelState> cache = new ConcurrentSkipListMap<>();
  private final List<Consumer<StoreEvent>> listeners = new CopyOnWriteArrayList<>();
  private final Object publishLock = new Object();
  private final Map<String, Future<Void>> channelTails = new HashMap<>();
  /**
   * Per channel, the minute and hour buckets of its newest sample as this store last committed
   * them, with the write token that commit put in the channel's row. While the row still holds
   * that token no other writer has touched the channel, so the next batch merges into these
   * instead of reading them (see {@link #ingestTx}).
   */
  private final Map<String, RollupTail> rollupTails = new java.util.concurrent.ConcurrentHashMap<>();
  /** Ingest calls waiting for a transaction, in arrival order (guards the two fields after it). */
  private final java.util.ArrayDeque<PendingIngest> ingestQueue = new java.util.ArrayDeque<>();
  private final Set<String> busyChannels = new HashSet<>();
  private int ingestsRunning;
  private final AtomicBoolean expiring = new AtomicBoolean();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong ingestTransactions = new AtomicLong();
  private final AtomicLong ingestCalls = new AtomicLong();
  private final StorageListener listener;
  private volatile boolean closed;
  private volatile boolean expiryFailing;
  private long timerId = -1;

  private MySqlHealthStore(Vertx vertx, Pool pool, MySqlStoreOptions o, MySQLConnectOptions connect) {
    this.vertx = vertx;
    this.pool = pool;
    this.options = new StoreOptions(o.getStoreOptions());
    this.listener = options.getStorageListener();
    this.rules = new ChannelRules(options.getOutageThreshold());
    this.location = MySqlUri.describe(connect);
    this.secret = connect.getPassword();
    this.healthTimeoutMs = o.getHealthTimeoutMs();
    this.poolSize = o.getPoolSize();
  }

  /** Connects, migrates the schema and loads the channel states. */
  public static Future<MySqlHealthStore> open(Vertx vertx, MySqlStoreOptions o) {
    MySQLConnectOptions connect;
    try {
      connect = connectOptions(o);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    Pool pool = pool(vertx, o, connect, o.getPoolSize());
    MySqlHealthStore store = new MySqlHealthStore(vertx, pool, o, connect);
    return Migrations.run(pool, store.options.getClock().millis())
        .compose(version -> store.loadStates())
        .map(v -> store.start())
        .recover(err -> pool.close().transform(ignored -> Future.failedFuture(
            store.failure("opening the MySQL store" + tlsHint(connect.getSslMode()), err))));
  }

  /** The connect options of the URI with the password; fails with IllegalArgumentException on a bad URI. */
  static MySQLConnectOptions connectOptions(MySqlStoreOptions o) {
    MySQLConnectOptions connect = MySqlUri.parse(o.getUri());
    char[] password = o.getPassword();
    if (password != null && password.length > 0) {
      connect.setPassword(new String(password));
    }
    return connect.setCachePreparedStatements(true).setPreparedStatementCacheMaxSize(128);
  }

  static Pool pool(Vertx vertx, MySqlStoreOptions o, MySQLConnectOptions connect, int size) {
    int timeout = (int) Math.max(1, Math.min(Integer.MAX_VALUE, o.getConnectTimeoutMs()));
    PoolOptions poolOptions = new PoolOptions()
        .setMaxSize(size)
        .setConnectionTimeout(timeout)
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
        .setIdleTimeout(5)
        .setIdleTimeoutUnit(TimeUnit.MINUTES)
        .setName("healthwatch-mysql-" + Ids.next(System.currentTimeMillis()));
    return MySQLBuilder.pool()
        .with(poolOptions)
        .with(new NetClientOptions().setConnectTimeout(timeout).setTcpKeepAlive(true))
        .connectingTo(connect)
        .using(vertx)
        .build();
  }

  /** TLS refused by the server shows up as a bare handshake error; say what was asked for. */
  static String tlsHint(SslMode mode) {
    return mode == SslMode.DISABLED || mode == SslMode.PREFERRED ? ""
        : " with TLS (sslMode=" + mode.name().toLowerCase(Locale.ROOT).replace('_', '-')
            + ": the server must offer TLS, and for verify-ca/verify-identity present a certificate the CA file trusts)";
  }

  private MySqlHealthStore start() {
    timerId = vertx.setPeriodic(1_000, id -> expireOnTimer());
    return this;
  }

  private Future<Void> loadStates() {
    return pool.query(SqlQueries.ALL_STATES).execute().map(rows -> {
      rows.forEach(r -> remember(Rows.state(r)));
      return null;
    });
  }

  @Override
  public void addListener(Consumer<StoreEvent> listener) {
    listeners.add(listener);
  }

  // ---- ingestion -----------------------------------------------------------------------------

  /** An ingest call waiting for its transaction: its samples without in-batch repeats, and its channels. */
  private record PendingIngest(int size, List<Sample> unique, Set<String> channels, Promise<IngestResult> promise) {}

  /** What a group's transaction did: per call its fresh samples' count and rules result, in call order. */
  private record Applied(List<Integer> fresh, List<ChannelRules.Batch> batches, Map<String, ChannelState> states,
      Map<String, RollupTail> tails) {}

  /** The newest buckets of a channel as committed under {@code token}; a bucket may be null (not known). */
  private record RollupTail(long token, RollupBucket minute, RollupBucket hour) {
    RollupBucket bucket(long unit) {
      return unit == io.healthwatch.core.rules.RollupPlan.MINUTE ? minute : hour;
    }
  }

  /** A channel row as locked by an ingest: its state, write token and the rollups' raw floor. */
  private record Locked(ChannelState state, long token, long rawFloor) {}

  @Override
  public Future<IngestResult> ingest(List<Sample> batch) {
    if (closed) {
      return closedFuture();
    }
    List<Sample> unique = new ArrayList<>(batch.size());
    Set<Sample.SampleKey> seen = new HashSet<>();
    for (Sample s : batch) {
      if (seen.add(s.key())) {
        unique.add(s);
      }
    }
    if (unique.isEmpty()) {
      return Future.succeededFuture(new IngestResult(0, batch.size(), List.of()));
    }
    Set<String> channelIds = new HashSet<>();
    unique.forEach(s -> channelIds.add(s.channelId()));
    PendingIngest pending = new PendingIngest(batch.size(), unique, channelIds, Promise.promise());
    synchronized (ingestQueue) {
      ingestQueue.add(pending);
    }
    dispatchIngests();
    return pending.promise().future();
  }

  /**
   * Starts transactions for waiting ingest calls while fewer than the pool's size run. One
   * transaction takes every waiting call it can, in arrival order, up to {@link #GROUP_SAMPLES}
   * samples (group commit: under load, many calls share one transaction's locks, statements and
   * commit). A call waits while a running transaction holds one of its channels, and so does
   * every later call sharing a channel with a waiting one: calls on a channel are applied, and
   * their events published, in arrival order.
   */
  private void dispatchIngests() {
    while (true) {
      List<PendingIngest> group = new ArrayList<>();
      Set<String> groupChannels = new HashSet<>();
      synchronized (ingestQueue) {
        if (ingestsRunning >= poolSize || ingestQueue.isEmpty()) {
          return;
        }
        Set<String> blocked = new HashSet<>(busyChannels);
        int samples = 0;
        for (java.util.Iterator<PendingIngest> it = ingestQueue.iterator(); it.hasNext(); ) {
          PendingIngest p = it.next();
          if (p.channels().stream().anyMatch(blocked::contains)) {
            blocked.addAll(p.channels());
            continue;
          }
          if (!group.isEmpty() && samples + p.unique().size() > GROUP_SAMPLES) {
            break;
          }
          it.remove();
          group.add(p);
          groupChannels.addAll(p.channels());
          samples += p.unique().size();
        }
        if (group.isEmpty()) {
          return;
        }
        busyChannels.addAll(groupChannels);
        ingestsRunning++;
      }
      ingestTransactions.incrementAndGet();
      ingestCalls.addAndGet(group.size());
      runGroup(group, groupChannels.stream().sorted().toList());
    }
  }

  private void runGroup(List<PendingIngest> group, List<String> ordered) {
    serialized(ordered, () -> withRetry(() -> pool.withTransaction(conn -> ingestTx(conn, group, ordered)), 1))
        .onComplete(ar -> {
          synchronized (ingestQueue) {
            ordered.forEach(busyChannels::remove);
            ingestsRunning--;
          }
          try {
            complete(group, ar);
          } finally {
            dispatchIngests();
          }
        });
  }

  /** Installs what a group's commit changed, then answers and publishes its calls in arrival order. */
  private void complete(List<PendingIngest> group, io.vertx.core.AsyncResult<Applied> ar) {
    if (ar.succeeded()) {
      Applied applied = ar.result();
      applied.states().values().forEach(this::remember);
      applied.states().keySet().forEach(c -> {
        RollupTail tail = applied.tails().get(c);
        if (tail == null) {
          rollupTails.remove(c);
        } else {
          rollupTails.put(c, tail);
        }
      });
      for (int i = 0; i < group.size(); i++) {
        PendingIngest p = group.get(i);
        IngestResult result = new IngestResult(applied.fresh().get(i), p.size() - applied.fresh().get(i),
            applied.batches().get(i).events());
        publish(result.events());
        p.promise().complete(result);
      }
    } else {
      Throwable failure = failure("storing samples", ar.cause());
      group.forEach(p -> p.promise().fail(failure));
    }
  }

  private Future<Applied> ingestTx(SqlConnection conn, List<PendingIngest> group, List<String> channelIds) {
    Tuple ids = Tuple.from(channelIds);
    // A channel this store has seen has its row already (unless another server deleted it since):
    // lock straight away, and create the rows only when some are missing.
    Future<RowSet<Row>> locked = channelIds.stream().allMatch(cache::containsKey)
        ? lockChannels(conn, ids).compose(rows -> rows.size() == channelIds.size() ? Future.succeededFuture(rows)
            : ensureAndLock(conn, ids))
        : ensureAndLock(conn, ids);
    // A sample repeated by a later call of the group is that call's duplicate.
    Set<Sample.SampleKey> inGroup = new HashSet<>();
    List<List<Sample>> candidates = new ArrayList<>();
    List<Sample> allCandidates = new ArrayList<>();
    for (PendingIngest p : group) {
      List<Sample> mine = p.unique().stream().filter(s -> inGroup.add(s.key())).toList();
      candidates.add(mine);
      allCandidates.addAll(mine);
    }
    return locked.compose(rows -> {
          Map<String, Locked> rowsById = new HashMap<>();
          Map<String, ChannelState> states = new HashMap<>();
          rows.forEach(r -> {
            ChannelState s = Rows.state(r);
            states.put(s.channelId(), s);
            rowsById.put(s.channelId(), new Locked(s, r.getLong("write_token"), r.getLong("raw_floor")));
          });
          List<String> openIds = states.values().stream().map(ChannelState::openOutageId)
              .filter(Objects::nonNull).toList();
          return lockOutages(conn, openIds)
              .compose(outages -> storedIdentities(conn, allCandidates, states)
                  .compose(stored -> {
                    // The rules run call after call, each on the states and outages the calls
                    // before it left, exactly as if each call had its own transaction.
                    Map<String, ChannelState> current = new HashMap<>(states);
                    Map<String, Outage> currentOutages = new HashMap<>(outages);
                    Map<String, ChannelState> changed = new LinkedHashMap<>();
                    Map<String, Outage> changedOutages = new LinkedHashMap<>();
                    List<Integer> freshCounts = new ArrayList<>();
                    List<ChannelRules.Batch> batches = new ArrayList<>();
                    List<Sample> fresh = new ArrayList<>();
                    for (List<Sample> mine : candidates) {
                      List<Sample> freshOfCall = mine.stream().filter(s -> !stored.contains(s.key())).toList();
                      ChannelRules.Batch applied = rules.applyAll(freshOfCall, current::get, currentOutages::get);
                      current.putAll(applied.states());
                      currentOutages.putAll(applied.outages());
                      changed.putAll(applied.states());
                      changedOutages.putAll(applied.outages());
                      freshCounts.add(freshOfCall.size());
                      batches.add(applied);
                      fresh.addAll(freshOfCall);
                    }
                    Map<String, Long> tokens = new HashMap<>();
                    changed.keySet().forEach(c -> tokens.put(c, newToken()));
                    // One statement after the other, never several at once: after a deadlock
                    // InnoDB has rolled the transaction back, and a statement already queued
                    // behind the failed one would run outside it, in autocommit.
                    return insertSamples(conn, fresh, 0, 0)
                        .compose(v -> MySqlRollups.update(conn, fresh, before(rowsById)))
                        .compose(newest -> updateStates(conn, changed.values(), tokens)
                            .compose(v -> writeOutages(conn, changedOutages.values(), outages.keySet()))
                            .map(v -> new Applied(freshCounts, batches, changed, tails(newest, tokens))));
                  }));
        });
  }

  private static Future<RowSet<Row>> lockChannels(SqlConnection conn, Tuple ids) {
    return conn.preparedQuery(SqlQueries.lockChannelStates(ids.size())).execute(ids);
  }

  private static Future<RowSet<Row>> ensureAndLock(SqlConnection conn, Tuple ids) {
    return conn.preparedQuery(SqlQueries.ensureChannelRows(ids.size())).execute(ids)
        .compose(v -> lockChannels(conn, ids));
  }

  /**
   * The locked rows for {@link MySqlRollups#update}: a bucket this store remembers is used without
   * reading it when the row still holds the token of the store's last write of the channel (no
   * other writer, another server included, has written it since; a restore or a deleted and
   * recreated row resets the token) and it starts at or after the raw floor (retention never
   * deletes it).
   */
  private MySqlRollups.Before before(Map<String, Locked> rows) {
    return new MySqlRollups.Before() {
      @Override
      public Long lastSampleAt(String channelId) {
        Locked row = rows.get(channelId);
        return row == null ? null : row.state().lastSampleAt();
      }

      @Override
      public RollupBucket known(String channelId, long unit, long start) {
        Locked row = rows.get(channelId);
        RollupTail tail = rollupTails.get(channelId);
        if (row == null || tail == null || row.token() == 0 || tail.token() != row.token()) {
          return null;
        }
        RollupBucket bucket = tail.bucket(unit);
        return bucket != null && bucket.start() == start && start >= row.rawFloor() ? bucket : null;
      }
    };
  }

  private static Map<String, RollupTail> tails(Map<String, RollupBucket[]> newest, Map<String, Long> tokens) {
    Map<String, RollupTail> tails = new HashMap<>();
    newest.forEach((channel, buckets) -> {
      Long token = tokens.get(channel);
      if (token != null) {
        tails.put(channel, new RollupTail(token, buckets[0], buckets[1]));
      }
    });
    return tails;
  }

  /** A random write token; 0 is what a new or restored row holds, never written by an ingest. */
  private static long newToken() {
    long token;
    do {
      token = ThreadLocalRandom.current().nextLong();
    } while (token == 0);
    return token;
  }

  private Future<Map<String, Outage>> lockOutages(SqlConnection conn, List<String> openIds) {
    if (openIds.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return conn.preparedQuery(SqlQueries.lockOutages(openIds.size())).execute(Tuple.from(openIds)).map(rows -> {
      Map<String, Outage> out = new HashMap<>();
      rows.forEach(r -> {
        Outage o = Rows.outage(r);
        out.put(o.id(), o);
      });
      return out;
    });
  }

  /**
   * The identities among {@code unique} that are stored already. A channel's stored samples are
   * never newer than its {@code lastSampleAt}, so only samples at or before it are looked up; in
   * live ingestion that is none.
   */
  private Future<Set<Sample.SampleKey>> storedIdentities(SqlConnection conn, List<Sample> unique,
      Map<String, ChannelState> states) {
    return storedIdentities(conn, unique, s -> {
      ChannelState state = states.get(s.channelId());
      return state != null && state.lastSampleAt() != null && s.timestamp() <= state.lastSampleAt();
    });
  }

  /** The identities among {@code unique} already stored, looking up those {@code mayBeStored} admits. */
  private Future<Set<Sample.SampleKey>> storedIdentities(SqlConnection conn, List<Sample> unique,
      java.util.function.Predicate<Sample> mayBeStored) {
    Map<String, TreeSet<Long>> lookups = new TreeMap<>();
    for (Sample s : unique) {
      if (mayBeStored.test(s)) {
        lookups.computeIfAbsent(s.channelId(), k -> new TreeSet<>()).add(s.timestamp());
      }
    }
    Set<Sample.SampleKey> stored = new HashSet<>();
    Future<Void> chain = Future.succeededFuture();
    List<Integer> shape = new ArrayList<>();
    List<Object> params = new ArrayList<>();
    for (Map.Entry<String, TreeSet<Long>> e : lookups.entrySet()) {
      List<Long> timestamps = List.copyOf(e.getValue());
      for (int from = 0; from < timestamps.size(); from += LOOKUP_CHUNK) {
        List<Long> part = timestamps.subList(from, Math.min(timestamps.size(), from + LOOKUP_CHUNK));
        if (params.size() + part.size() + 1 > LOOKUP_CHUNK + 1) {
          chain = lookUp(conn, chain, List.copyOf(shape), List.copyOf(params), stored);
          shape.clear();
          params.clear();
        }
        shape.add(part.size());
        params.add(e.getKey());
        params.addAll(part);
      }
    }
    if (!shape.isEmpty()) {
      chain = lookUp(conn, chain, shape, params, stored);
    }
    return chain.map(stored);
  }

  private static Future<Void> lookUp(SqlConnection conn, Future<Void> after, List<Integer> shape, List<Object> params,
      Set<Sample.SampleKey> into) {
    return after.compose(v -> conn.preparedQuery(SqlQueries.existingIdentities(shape)).execute(Tuple.from(params))
        .map(rows -> {
          rows.forEach(r -> into.add(new Sample.SampleKey(r.getString("channel_id"), r.getString("probe_id"),
              r.getLong("timestamp"))));
          return null;
        }));
  }

  private Future<Void> insertSamples(SqlConnection conn, List<Sample> fresh, int from, int inserted) {
    if (from >= fresh.size()) {
      if (inserted != fresh.size()) {
        return Future.failedFuture(new ConcurrentWriteException(fresh.size() - inserted));
      }
      return Future.succeededFuture();
    }
    List<Sample> chunk = fresh.subList(from, Math.min(fresh.size(), from + INSERT_CHUNK));
    List<Object> params = new ArrayList<>(chunk.size() * 7);
    chunk.forEach(s -> Rows.addSample(params, s));
    return conn.preparedQuery(SqlQueries.insertSamples(chunk.size())).execute(Tuple.from(params))
        .compose(rows -> insertSamples(conn, fresh, from + chunk.size(), inserted + rows.rowCount()));
  }

  private Future<Void> updateStates(SqlConnection conn, Collection<ChannelState> states, Map<String, Long> tokens) {
    List<ChannelState> all = List.copyOf(states);
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < all.size(); from += STATE_CHUNK) {
      List<ChannelState> chunk = all.subList(from, Math.min(all.size(), from + STATE_CHUNK));
      List<Object> params = new ArrayList<>(chunk.size() * 12);
      for (ChannelState s : chunk) {
        params.add(s.channelId());
        params.addAll(Arrays.asList(Rows.stateValues(s)));
        params.add(tokens.get(s.channelId()));
      }
      chain = chain.compose(v -> conn.preparedQuery(SqlQueries.writeStates(chunk.size()))
          .execute(Tuple.from(params)).mapEmpty());
    }
    return chain;
  }

  private Future<Void> writeOutages(SqlConnection conn, Collection<Outage> touched, Set<String> stored) {
    List<Tuple> inserts = new ArrayList<>();
    List<Tuple> updates = new ArrayList<>();
    for (Outage o : touched) {
      if (stored.contains(o.id())) {
        updates.add(Rows.outageUpdate(o));
      } else {
        inserts.add(Rows.outageInsert(o));
      }
    }
    Future<Void> done = Future.succeededFuture();
    if (!inserts.isEmpty()) {
      done = done.compose(v -> conn.preparedQuery(SqlQueries.INSERT_OUTAGE).executeBatch(inserts).mapEmpty());
    }
    if (!updates.isEmpty()) {
      done = done.compose(v -> conn.preparedQuery(SqlQueries.UPDATE_OUTAGE).executeBatch(updates).mapEmpty());
    }
    return done;
  }

  /** A sample that the identity lookup did not see was stored by a writer not holding the row locks. */
  static final class ConcurrentWriteException extends RuntimeException {
    ConcurrentWriteException(int missing) {
      super(missing + " sample(s) of the batch were stored concurrently; retrying the batch");
    }
  }

  // ---- reads ---------------------------------------------------------------------------------

  @Override
  public Future<List<ChannelState>> channels() {
    if (closed) {
      return Future.succeededFuture(List.copyOf(cache.values()));
    }
    return pool.query(SqlQueries.ALL_STATES).execute()
        .map(rows -> {
          List<ChannelState> states = Rows.list(rows, Rows::state);
          states.forEach(this::remember);
          return states;
        })
        .recover(err -> {
          LOG.log(System.Logger.Level.DEBUG, "channel list answered from the cache: " + describe(err));
          return Future.succeededFuture(List.copyOf(cache.values()));
        });
  }

  @Override
  public Future<Optional<ChannelState>> channel(String channelId) {
    if (closed) {
      return Future.succeededFuture(Optional.ofNullable(cache.get(channelId)));
    }
    return pool.preparedQuery(SqlQueries.ONE_STATE).execute(Tuple.of(channelId))
        .map(rows -> {
          Optional<ChannelState> state = first(rows).map(Rows::state);
          state.ifPresent(this::remember);
          return state;
        })
        .recover(err -> Future.succeededFuture(Optional.ofNullable(cache.get(channelId))));
  }

  /** Keeps the newest state of a channel; sample counts only grow, so they tell which is newer. */
  private void remember(ChannelState s) {
    if (s.sampleCount() > 0) {
      cache.merge(s.channelId(), s, (old, fresh) -> fresh.sampleCount() >= old.sampleCount() ? fresh : old);
    }
  }

  @Override
  public Future<List<Sample>> samples(String channelId, SampleQuery q) {
    if (q.hasCursor()) {
      return pageAfter(channelId, q);
    }
    String sql = q.order() == SortOrder.ASC ? SqlQueries.WINDOW_ASC : SqlQueries.WINDOW_DESC;
    return read("reading samples", () -> pool.preparedQuery(sql)
        .execute(Tuple.of(channelId, q.from(), q.to(), q.limit()))
        .map(rows -> Rows.list(rows, Rows::sample)));
  }

  @Override
  public Future<WindowStats> stats(String channelId, long from, long to) {
    return read("computing statistics", () -> pool.withTransaction(conn -> MySqlRollups.window(conn, channelId, from, to))
        .map(w -> w.getOrDefault(channelId, RollupBucket.accumulator()).toWindowStats(channelId, from, to)));
  }

  @Override
  public Future<List<Outage>> outages(OutageQuery q) {
    List<Object> params = new ArrayList<>(4);
    if (q.channelId() != null) {
      params.add(q.channelId());
    }
    params.add(q.from());
    params.add(q.to());
    params.add(q.limit());
    return read("reading outages", () -> pool.preparedQuery(SqlQueries.outages(q.channelId() != null, q.open()))
        .execute(Tuple.from(params))
        .map(rows -> Rows.list(rows, Rows::outage)));
  }

  @Override
  public Future<Optional<Outage>> outage(String outageId) {
    return read("reading an outage", () -> pool.preparedQuery(SqlQueries.ONE_OUTAGE).execute(Tuple.of(outageId))
        .map(rows -> first(rows).map(Rows::outage)));
  }

  // ---- watches -------------------------------------------------------------------------------

  @Override
  public Future<WatchSession> startWatch(long durationMs, List<String> watched) {
    if (closed) {
      return closedFuture();
    }
    return timed(StorageOperation.COMMIT, () -> expireDue()
        .compose(v -> pool.query(SqlQueries.ACTIVE_WATCH).execute())
        .compose(rows -> {
          Optional<WatchSession> active = first(rows).map(Rows::watch);
          if (active.isPresent()) {
            return Future.failedFuture(StorageException.conflict("a watch is already active: " + active.get().id()));
          }
          long now = options.getClock().millis();
          WatchSession w = new WatchSession(Ids.next(now), now, now + durationMs, null, watched, Map.of());
          return pool.preparedQuery(SqlQueries.INSERT_WATCH)
              .execute(Tuple.of(w.id(), w.startedAt(), w.endsAt(), Rows.json(w.channels())))
              .recover(err -> Future.failedFuture(isError(err, ER_DUP_ENTRY)
                  ? StorageException.conflict("a watch is already active") : err))
              .compose(inserted -> withStats(w));
        })
        .map(started -> {
          publish(List.of(new StoreEvent.WatchChanged(started)));
          return started;
        }))
        .recover(err -> Future.failedFuture(failure("starting a watch", err)));
  }

  @Override
  public Future<Optional<WatchSession>> currentWatch() {
    return read("reading the watch", () -> expireDue()
        .compose(v -> activeWatch())
        .compose(active -> active.isEmpty()
            ? Future.succeededFuture(Optional.<WatchSession>empty())
            : withStats(active.get()).map(Optional::of)));
  }

  @Override
  public Future<Optional<WatchSession>> stopWatch() {
    if (closed) {
      return closedFuture();
    }
    return timed(StorageOperation.COMMIT, () -> expireDue()
        .compose(v -> activeWatch())
        .compose(active -> active.isEmpty()
            ? Future.succeededFuture(Optional.<WatchSession>empty())
            : archive(active.get(), options.getClock().millis())))
        .recover(err -> Future.failedFuture(failure("stopping the watch", err)));
  }

  @Override
  public Future<List<WatchSession>> watches(int limit) {
    int n = Math.max(0, Math.min(limit, options.getMaxArchivedWatches()));
    if (n == 0) {
      return Future.succeededFuture(List.of());
    }
    return read("reading watches", () -> expireDue()
        .compose(v -> pool.preparedQuery(SqlQueries.ARCHIVED_WATCHES).execute(Tuple.of(n)))
        .map(rows -> Rows.list(rows, Rows::watch)));
  }

  private Future<Optional<WatchSession>> activeWatch() {
    return pool.query(SqlQueries.ACTIVE_WATCH).execute().map(rows -> first(rows).map(Rows::watch));
  }

  /** Archives the active watch if its planned end has passed, ended at that planned end. */
  private Future<Void> expireDue() {
    long now = options.getClock().millis();
    return activeWatch().compose(active -> active.isPresent() && now >= active.get().endsAt()
        ? archive(active.get(), active.get().endsAt()).mapEmpty()
        : Future.succeededFuture());
  }

  private void expireOnTimer() {
    if (closed || !expiring.compareAndSet(false, true)) {
      return;
    }
    expireDue().onComplete(ar -> {
      expiring.set(false);
      if (ar.failed() && !closed && !expiryFailing) {
        LOG.log(System.Logger.Level.WARNING, "cannot check for an ended watch: " + describe(ar.cause()));
      }
      expiryFailing = ar.failed();
    });
  }

  /**
   * Archives a watch with its final statistics. Only the server whose conditional update wins
   * archives it and publishes the event; the others get empty.
   */
  private Future<Optional<WatchSession>> archive(WatchSession active, long endedAt) {
    return withStats(active.endedAt(endedAt)).compose(ended -> pool.preparedQuery(SqlQueries.ARCHIVE_WATCH)
        .execute(Tuple.of(endedAt, Rows.json(ended.stats()), ended.id()))
        .compose(rows -> {
          if (rows.rowCount() == 0) {
            return Future.succeededFuture(Optional.<WatchSession>empty());
          }
          publish(List.of(new StoreEvent.WatchChanged(ended)));
          return trimWatchHistory().transform(ar -> {
            if (ar.failed()) {
              LOG.log(System.Logger.Level.WARNING, "cannot trim the watch history: " + describe(ar.cause()));
            }
            return Future.succeededFuture(Optional.of(ended));
          });
        }));
  }

  private Future<Void> trimWatchHistory() {
    return pool.preparedQuery(SqlQueries.WATCHES_BEYOND_HISTORY).execute(Tuple.of(options.getMaxArchivedWatches()))
        .compose(rows -> {
          List<Tuple> ids = Rows.list(rows, r -> Tuple.of(r.getString("id")));
          return ids.isEmpty() ? Future.succeededFuture()
              : pool.preparedQuery(SqlQueries.DELETE_WATCH).executeBatch(ids).mapEmpty();
        });
  }

  private Future<WatchSession> withStats(WatchSession w) {
    long end = WatchRules.windowEnd(w);
    Future<List<String>> covered = w.channels().isEmpty()
        ? pool.query(SqlQueries.CHANNEL_IDS).execute().map(rows -> Rows.list(rows, r -> r.getString("channel_id")))
        : Future.succeededFuture(w.channels());
    return covered.compose(channels -> pool.withTransaction(conn -> MySqlRollups.window(conn, null, w.startedAt(), end)
        .compose(tallies -> conn.preparedQuery(SqlQueries.OUTAGES_CONFIRMED_PER_CHANNEL)
            .execute(Tuple.of(w.startedAt(), end))
            .map(rows -> {
              Map<String, Long> outages = new HashMap<>();
              rows.forEach(r -> outages.put(r.getString("channel_id"), r.getLong("outages")));
              Map<String, WatchChannelStats> stats = new LinkedHashMap<>();
              for (String c : channels) {
                stats.put(c, tallies.getOrDefault(c, RollupBucket.accumulator()).toWatchStats(outages.getOrDefault(c, 0L)));
              }
              return w.withStats(stats);
            }))));
  }

  // ---- custom values, deletion, retention ----------------------------------------------------

  @Override
  public Future<Void> putCustom(String key, String json) {
    long now = options.getClock().millis();
    return write("storing a custom value", () -> pool.preparedQuery(SqlQueries.PUT_CUSTOM)
        .execute(Tuple.of(key, json, now, json, now)).mapEmpty());
  }

  @Override
  public Future<Optional<String>> custom(String key) {
    return read("reading a custom value", () -> pool.preparedQuery(SqlQueries.GET_CUSTOM).execute(Tuple.of(key))
        .map(rows -> first(rows).map(r -> r.getString("value_json"))));
  }

  @Override
  public Future<Boolean> deleteCustom(String key) {
    return write("deleting a custom value", () -> pool.preparedQuery(SqlQueries.DELETE_CUSTOM)
        .execute(Tuple.of(key)).map(rows -> rows.rowCount() > 0));
  }

  @Override
  public Future<Boolean> deleteChannel(String channelId) {
    if (closed) {
      return closedFuture();
    }
    Tuple id = Tuple.of(channelId);
    return serialized(List.of(channelId), () -> withRetry(() -> pool.withTransaction(conn ->
        conn.preparedQuery(SqlQueries.LOCK_ONE_STATE).execute(id).compose(rows -> {
          Optional<Row> row = first(rows);
          if (row.isEmpty()) {
            return Future.succeededFuture(false);
          }
          boolean known = row.get().getLong("sample_count") > 0;
          return conn.preparedQuery(SqlQueries.DELETE_CHANNEL_SAMPLES).execute(id)
              .compose(v -> MySqlRollups.deleteChannel(conn, channelId))
              .compose(v -> conn.preparedQuery(SqlQueries.DELETE_CHANNEL_OUTAGES).execute(id))
              .compose(v -> conn.preparedQuery(SqlQueries.DELETE_STATE).execute(id))
              .map(known);
        })), 1)
        .map(deleted -> {
          cache.remove(channelId);
          rollupTails.remove(channelId);
          return deleted;
        }))
        .recover(err -> Future.failedFuture(failure("deleting a channel", err)));
  }

  @Override
  public Future<RetentionResult> applyRetention(long cutoff) {
    long rollupCutoff = options.rollupCutoff(cutoff);
    return write("applying retention", () -> MySqlRollups.retention(pool, cutoff, rollupCutoff)
        .compose(buckets -> deleteOlder(cutoff, 0)
            .map(removed -> new RetentionResult(cutoff, removed, rollupCutoff, buckets))));
  }

  /** Deletes in small statements, each its own short transaction, so ingestion never waits long. */
  private Future<Long> deleteOlder(long cutoff, long removed) {
    return pool.preparedQuery(SqlQueries.DELETE_OLD_SAMPLES).execute(Tuple.of(cutoff)).compose(rows -> {
      long total = removed + rows.rowCount();
      return rows.rowCount() < SqlQueries.RETENTION_BATCH || closed
          ? Future.succeededFuture(total)
          : deleteOlder(cutoff, total);
    });
  }

  // ---- audit trail and paged windows (audit-export) -------------------------------------------

  private Future<List<Sample>> pageAfter(String channelId, SampleQuery q) {
    String sql = q.order() == SortOrder.ASC ? SqlQueries.WINDOW_ASC_AFTER : SqlQueries.WINDOW_DESC_BEFORE;
    Tuple args = Tuple.of(channelId, q.effectiveFrom(), q.effectiveTo(), q.cursorTimestamp(), q.cursorTimestamp(),
        q.cursorProbeId(), q.limit());
    return read("reading samples", () -> pool.preparedQuery(sql).execute(args).map(rows -> Rows.list(rows, Rows::sample)));
  }

  @Override
  public Future<Void> audit(AuditRecord r) {
    return write("writing the audit log", () -> pool.preparedQuery(SqlQueries.INSERT_AUDIT)
        .execute(Tuple.of(r.time(), r.actor(), r.action(), r.target(), r.detail())).mapEmpty());
  }

  @Override
  public Future<List<AuditRecord>> auditLog(long from, long to, int limit) {
    return read("reading the audit log", () -> pool.preparedQuery(SqlQueries.AUDIT_LOG)
        .execute(Tuple.of(from, to, limit))
        .map(rows -> Rows.list(rows, r -> new AuditRecord(r.getLong("at"), r.getString("actor"),
            r.getString("action"), r.getString("target"), r.getString("detail")))));
  }

  // ---- restore -------------------------------------------------------------------------------

  @Override
  public Future<Integer> restore(RestoreBatch batch) {
    if (closed) {
      return closedFuture();
    }
    Optional<WatchSession> restoredActive = batch.activeWatch();
    List<String> ids = batch.channels().stream().map(ChannelState::channelId).sorted().toList();
    Future<Void> activeChecked = restoredActive.isEmpty() ? Future.succeededFuture()
        : expireDue().compose(v -> activeWatch()).compose(active -> active.isPresent()
            && !active.get().id().equals(restoredActive.get().id())
            ? Future.failedFuture(StorageException.conflict("a watch is already active: " + active.get().id()))
            : Future.succeededFuture());
    return activeChecked
        .compose(v -> serialized(ids, () -> withRetry(() -> pool.withTransaction(conn -> restoreTx(conn, batch)), 1)))
        .compose(fresh -> {
          batch.channels().forEach(this::remember);
          batch.samples().forEach(s -> rollupTails.remove(s.channelId()));
          return batch.watches().isEmpty() ? Future.succeededFuture(fresh) : trimWatchHistory().map(fresh);
        })
        .recover(err -> Future.failedFuture(err instanceof StorageException ? err
            : isError(err, ER_DUP_ENTRY) ? StorageException.conflict("a watch is already active")
            : failure("restoring records", err)));
  }

  private Future<Integer> restoreTx(SqlConnection conn, RestoreBatch batch) {
    Future<Void> done = Future.succeededFuture();
    if (!batch.channels().isEmpty()) {
      List<Tuple> states = batch.channels().stream().map(Rows::stateRow).toList();
      done = done.compose(v -> conn.preparedQuery(SqlQueries.UPSERT_STATE).executeBatch(states).mapEmpty());
    }
    if (!batch.outages().isEmpty()) {
      List<Tuple> outages = batch.outages().stream().map(Rows::outageInsert).toList();
      done = done.compose(v -> conn.preparedQuery(SqlQueries.UPSERT_OUTAGE).executeBatch(outages).mapEmpty());
    }
    for (WatchSession w : batch.watches()) {
      Tuple row = Tuple.of(w.id(), w.startedAt(), w.endsAt(), w.endedAt(), Rows.json(w.channels()),
          w.active() ? null : Rows.json(w.stats()));
      String sql = w.active() ? SqlQueries.RESTORE_ACTIVE_WATCH : SqlQueries.UPSERT_ARCHIVED_WATCH;
      done = done.compose(v -> conn.preparedQuery(sql).execute(row).mapEmpty());
    }
    long now = options.getClock().millis();
    for (Map.Entry<String, String> c : batch.custom().entrySet()) {
      done = done.compose(v -> conn.preparedQuery(SqlQueries.PUT_CUSTOM)
          .execute(Tuple.of(c.getKey(), c.getValue(), now, c.getValue(), now)).mapEmpty());
    }
    Map<Sample.SampleKey, Sample> unique = new LinkedHashMap<>();
    batch.samples().forEach(s -> unique.putIfAbsent(s.key(), s));
    List<Sample> samples = List.copyOf(unique.values());
    // Only the samples not stored yet count in the rollups; every existing bucket is merged into.
    return done.compose(v -> storedIdentities(conn, samples, s -> true))
        .compose(stored -> {
          List<Sample> fresh = samples.stream().filter(s -> !stored.contains(s.key())).toList();
          return insertIgnoring(conn, fresh, 0, 0)
              .compose(n -> MySqlRollups.update(conn, fresh, (MySqlRollups.Before) c -> Long.MAX_VALUE)
                  .compose(v -> clearWriteTokens(conn, fresh))
                  .map(n));
        });
  }

  /**
   * Resets the write token of the channels of {@code samples}: their buckets changed without an
   * ingest, so no store may merge into the buckets it remembers for them.
   */
  private static Future<Void> clearWriteTokens(SqlConnection conn, List<Sample> samples) {
    List<String> channels = samples.stream().map(Sample::channelId).distinct().sorted().toList();
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < channels.size(); from += LOOKUP_CHUNK) {
      List<String> part = channels.subList(from, Math.min(channels.size(), from + LOOKUP_CHUNK));
      chain = chain.compose(v -> conn.preparedQuery(SqlQueries.clearWriteTokens(part.size()))
          .execute(Tuple.from(part)).mapEmpty());
    }
    return chain;
  }

  /** Inserts samples, skipping stored identities; returns how many were new. */
  private Future<Integer> insertIgnoring(SqlConnection conn, List<Sample> samples, int from, int inserted) {
    if (from >= samples.size()) {
      return Future.succeededFuture(inserted);
    }
    List<Sample> chunk = samples.subList(from, Math.min(samples.size(), from + INSERT_CHUNK));
    List<Object> params = new ArrayList<>(chunk.size() * 7);
    chunk.forEach(s -> Rows.addSample(params, s));
    return conn.preparedQuery(SqlQueries.insertSamples(chunk.size())).execute(Tuple.from(params))
        .compose(rows -> insertIgnoring(conn, samples, from + chunk.size(), inserted + rows.rowCount()));
  }

  // ---- health and lifecycle ------------------------------------------------------------------

  @Override
  public Future<StoreHealth> health() {
    StoreHealth.CacheUsage usage = new StoreHealth.CacheUsage(0, options.getMaxCachedSamplesPerChannel(), 0, 0);
    Map<String, Object> details = Map.of("backend", "mysql", "database", location, "channels", cache.size(),
        "poolSize", poolSize, "retriedTransactions", retries.get(), "ingestTransactions", ingestTransactions.get(),
        "ingestCalls", ingestCalls.get());
    if (closed) {
      return Future.succeededFuture(new StoreHealth(StoreHealth.Status.DOWN, List.of("store is closed"), usage, details));
    }
    return pool.query(SqlQueries.PING).execute()
        .timeout(healthTimeoutMs, TimeUnit.MILLISECONDS)
        .map(rows -> new StoreHealth(StoreHealth.Status.UP, List.of(), usage, details))
        .recover(err -> Future.succeededFuture(new StoreHealth(StoreHealth.Status.DOWN,
            List.of("the MySQL database at " + location + " does not answer: " + describe(err)), usage, details)));
  }

  /**
   * Data size from {@code information_schema} (InnoDB's estimate of data and index length), the
   * oldest sample from the time index, the cached channel states. Free space and segments are not
   * known to a client of the database.
   */
  @Override
  public Future<StorageGauges> gauges() {
    if (closed) {
      return Future.succeededFuture(StorageGauges.NONE);
    }
    Future<Long> bytes = single(SqlQueries.DATA_BYTES, "bytes");
    Future<Long> oldest = single(SqlQueries.OLDEST_SAMPLE, "oldest");
    return Future.join(bytes, oldest).transform(ar -> Future.succeededFuture(new StorageGauges(
        known(bytes), StorageGauges.UNKNOWN, StorageGauges.UNKNOWN, known(oldest), cache.size(), 0)));
  }

  private Future<Long> single(String sql, String column) {
    return pool.query(sql).execute()
        .timeout(healthTimeoutMs, TimeUnit.MILLISECONDS)
        .map(rows -> first(rows).map(r -> r.getLong(column)).orElse(null));
  }

  private static long known(Future<Long> figure) {
    return figure.succeeded() && figure.result() != null ? figure.result() : StorageGauges.UNKNOWN;
  }

  @Override
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    return pool.close();
  }

  // ---- plumbing ------------------------------------------------------------------------------

  /**
   * Runs {@code work} once every earlier call of this store touching one of the channels has
   * finished. The database would serialise them on the row locks anyway; queuing here keeps their
   * events in commit order.
   */
  private <T> Future<T> serialized(List<String> channelIds, Supplier<Future<T>> work) {
    Promise<Void> done = Promise.promise();
    List<Future<Void>> before = new ArrayList<>();
    synchronized (channelTails) {
      for (String c : channelIds) {
        Future<Void> previous = channelTails.put(c, done.future());
        if (previous != null) {
          before.add(previous);
        }
      }
    }
    Future<Void> ready = before.isEmpty() ? Future.succeededFuture()
        : Future.join(before).transform(ar -> Future.<Void>succeededFuture());
    Future<T> result = ready.compose(v -> work.get());
    result.onComplete(ar -> {
      synchronized (channelTails) {
        for (String c : channelIds) {
          channelTails.remove(c, done.future());
        }
      }
      done.complete();
    });
    return result;
  }

  /**
   * Retries a transaction the database chose as a deadlock victim or that timed out on a lock.
   * Reported as one {@code COMMIT} with its final result, and a {@code COMMIT_RETRY} per retry.
   */
  private <T> Future<T> withRetry(Supplier<Future<T>> work, int attempt) {
    return attempt == 1 ? timed(StorageOperation.COMMIT, () -> retrying(work, 1)) : retrying(work, attempt);
  }

  private <T> Future<T> retrying(Supplier<Future<T>> work, int attempt) {
    long start = System.nanoTime();
    return work.get().recover(err -> {
      if (attempt >= MAX_ATTEMPTS || !(isError(err, ER_LOCK_DEADLOCK) || isError(err, ER_LOCK_WAIT_TIMEOUT)
          || err instanceof ConcurrentWriteException)) {
        return Future.failedFuture(err);
      }
      listener.recordOperation(StorageOperation.COMMIT_RETRY, false, System.nanoTime() - start);
      retries.incrementAndGet();
      Promise<T> retried = Promise.promise();
      long delay = 5L * attempt + ThreadLocalRandom.current().nextInt(10);
      vertx.setTimer(delay, id -> retrying(work, attempt + 1).onComplete(retried));
      return retried.future();
    });
  }

  private <T> Future<T> read(String what, Supplier<Future<T>> work) {
    return run(StorageOperation.QUERY, what, work);
  }

  private <T> Future<T> write(String what, Supplier<Future<T>> work) {
    return run(StorageOperation.COMMIT, what, work);
  }

  private <T> Future<T> run(StorageOperation op, String what, Supplier<Future<T>> work) {
    if (closed) {
      return closedFuture();
    }
    return timed(op, work).recover(err -> Future.failedFuture(failure(what, err)));
  }

  /**
   * Reports {@code work} to the storage listener when it completes. A refusal (a conflict, say) is
   * a success of the storage; only an unavailable database or an unexpected error is a failure.
   */
  private <T> Future<T> timed(StorageOperation op, Supplier<Future<T>> work) {
    long start = System.nanoTime();
    return work.get().andThen(ar -> listener.recordOperation(op, ar.succeeded()
        || ar.cause() instanceof StorageException se && se.code() != ErrorCode.UNAVAILABLE, System.nanoTime() - start));
  }

  private void publish(List<StoreEvent> events) {
    synchronized (publishLock) {
      for (StoreEvent e : events) {
        for (Consumer<StoreEvent> l : listeners) {
          try {
            l.accept(e);
          } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.WARNING, "a store listener failed", ex);
          }
        }
      }
    }
  }

  private static boolean isError(Throwable t, int code) {
    return t instanceof DatabaseException d && d.getErrorCode() == code;
  }

  private static Optional<Row> first(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
  }

  /** A storage failure whose message names the database and the cause but never the password. */
  StorageException failure(String what, Throwable err) {
    if (err instanceof StorageException se) {
      return se;
    }
    return StorageException.unavailable(what + " failed: the MySQL database at " + location
        + " is unavailable (" + describe(err) + ")", err);
  }

  private String describe(Throwable err) {
    String text = err instanceof DatabaseException d
        ? "MySQL error " + d.getErrorCode() + ": " + d.getMessage()
        : err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + err.getMessage());
    if (secret != null && !secret.isEmpty()) {
      text = text.replace(secret, "<redacted>");
    }
    return text;
  }

  private static <T> Future<T> closedFuture() {
    return Future.failedFuture(StorageException.unavailable("the store is closed", null));
  }
}
