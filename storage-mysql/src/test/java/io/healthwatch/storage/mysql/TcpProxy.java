package io.healthwatch.storage.mysql;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A TCP relay in front of the database that a test can take down and bring back on the same port. */
final class TcpProxy {
  private final Vertx vertx;
  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private NetServer server;
  private int port;

  TcpProxy(Vertx vertx, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
  }

  /** Listens (on the port of the previous start, if any) and relays every connection. */
  Future<Integer> start() {
    server = vertx.createNetServer().connectHandler(this::relay);
    return server.listen(port, "127.0.0.1").map(s -> {
      port = s.actualPort();
      return port;
    });
  }

  /** Stops listening and cuts every relayed connection, as a database going away would. */
  Future<Void> stop() {
    sockets.forEach(NetSocket::close);
    sockets.clear();
    return server.close();
  }

  int port() {
    return port;
  }

  private void relay(NetSocket in) {
    in.pause();
    sockets.add(in);
    client.connect(targetPort, targetHost).onComplete(ar -> {
      if (ar.failed()) {
        in.close();
        return;
      }
      NetSocket out = ar.result();
      sockets.add(out);
      in.closeHandler(v -> out.close());
      out.closeHandler(v -> in.close());
      in.pipeTo(out);
      out.pipeTo(in);
      in.resume();
    });
  }
}
