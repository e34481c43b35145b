package io.healthwatch.server.api;

import io.healthwatch.core.model.AuditRecord;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.StorageException;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what the server does besides ingestion in the store's audit trail. A change is answered
 * only once its record is durable: {@link #changed} completes after both. Should the record fail
 * after the change was made, the request fails with {@code unavailable} (503) naming that, so a
 * client never gets a success for a change the trail does not hold. A refusal of authentication
 * is answered after its record was attempted; a failed record is logged, the refusal stands.
 */
public final class AuditTrail {
  private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);

  private final HealthStore store;
  private final Clock clock;

  public AuditTrail(HealthStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * Runs after {@code change} succeeded: appends one record whose target and detail are taken from
   * the change's result; the returned Future completes with that result once the record is durable.
   * A failed change is not recorded.
   */
  public <T> Future<T> changed(Future<T> change, String actor, String action, Function<T, String> target,
      Function<T, String> detail) {
    return change.compose(result -> store.audit(new AuditRecord(clock.millis(), actor, action, target.apply(result),
            detail.apply(result)))
        .recover(err -> {
          LOG.error("{} by {} on '{}' was done, but its audit record could not be stored: {}", action, actor,
              target.apply(result), err.toString());
          return Future.failedFuture(StorageException.unavailable(
              "the change was made, but its audit record could not be stored: " + err.getMessage(), err));
        })
        .map(result));
  }

  /** {@link #changed} with a fixed target and no detail. */
  public <T> Future<T> changed(Future<T> change, String actor, String action, String target) {
    return changed(change, actor, action, r -> target, r -> null);
  }

  /** Records a refused authentication; completes (never fails) once the record was stored or refused. */
  public Future<Void> refused(String actor, String target, String reason) {
    return store.audit(new AuditRecord(clock.millis(), actor, AuditRecord.AUTH_REFUSED, target, reason))
        .recover(err -> {
          LOG.warn("a refused authentication by {} on '{}' could not be recorded: {}", actor, target, err.toString());
          return Future.succeededFuture();
        });
  }

  /** Records the server's own work (retention runs). */
  public Future<Void> system(String action, String target, String detail) {
    return store.audit(new AuditRecord(clock.millis(), AuditRecord.SYSTEM, action, target, detail));
  }
}
