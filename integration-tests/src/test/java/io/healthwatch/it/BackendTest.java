package io.healthwatch.it;

import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * An end-to-end test class run once per durable backend (a subclass names it): a Vert.x for its
 * WebSocket clients, fresh storage, and the packaged servers it starts, all closed again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BackendTest {
  protected final Backend backend;
  protected Vertx vertx;
  private final Deque<AutoCloseable> afterEach = new ArrayDeque<>();
  private final Deque<AutoCloseable> afterAll = new ArrayDeque<>();

  protected BackendTest(Backend backend) {
    this.backend = backend;
  }

  @BeforeAll
  void openVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeTestResources() throws Exception {
    closeAll(afterEach);
  }

  @AfterAll
  void closeClassResources() throws Exception {
    closeAll(afterAll);
    LiveConnection.await(vertx.close());
  }

  /** Fresh storage for this backend, removed after the current test. */
  protected Backend.Storage freshStorage(String name) {
    return closeAfterEach(backend.freshStorage(name));
  }

  /** Closed (in reverse order of registration) after the current test. */
  protected <T extends AutoCloseable> T closeAfterEach(T resource) {
    afterEach.push(resource);
    return resource;
  }

  /** Closed after the last test of the class. */
  protected <T extends AutoCloseable> T closeAfterAll(T resource) {
    afterAll.push(resource);
    return resource;
  }

  private static void closeAll(Deque<AutoCloseable> resources) throws Exception {
    Exception first = null;
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
