package io.healthwatch.server;

import io.healthwatch.core.memory.InMemoryStore;
import io.healthwatch.core.storage.HealthStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.function.Function;

/** Memory stores with one operation replaced, to see how the server copes with a failing or slow backend. */
final class Stores {
  private Stores() {}

  /**
   * A memory store in which {@code method} runs {@code replacement} (given the call's arguments)
   * instead.
   */
  static Future<HealthStore> replacing(Vertx vertx, String method, Function<Object[], Object> replacement) {
    HealthStore real = new InMemoryStore(vertx, TestServer.config().storeOptions());
    return Future.succeededFuture(replacing(real, method, replacement));
  }

  static HealthStore replacing(HealthStore real, String method, Function<Object[], Object> replacement) {
    return (HealthStore) Proxy.newProxyInstance(HealthStore.class.getClassLoader(), new Class<?>[] {HealthStore.class},
        (proxy, m, args) -> {
          if (m.getName().equals(method)) {
            return replacement.apply(args);
          }
          try {
            return m.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
