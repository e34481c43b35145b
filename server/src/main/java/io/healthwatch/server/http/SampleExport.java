package io.healthwatch.server.http;

import io.healthwatch.core.json.Json;
import io.healthwatch.core.model.Sample;
import io.healthwatch.core.storage.HealthStore;
import io.healthwatch.core.storage.SampleQuery;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running export ({@code GET /api/v1/channels/{id}/samples/export}): the window is read from the
 * store page by page (keyset pagination, {@link SampleQuery#next}) and each page is written as NDJSON
 * lines. While one page is being sent the next one is read; it is written, and the one after it
 * asked for, only once the response's write queue has room again (its drain handler). A slow client
 * thus holds at most Netty's buffer ({@link #WRITE_QUEUE_BYTES}), the page being sent, one page
 * waiting and the socket's buffers, however large the window; a client that goes away stops the
 * reading.
 */
final class SampleExport {
  static final String NDJSON = "application/x-ndjson";
  /** Bytes Netty may hold for the connection before Vert.x queues writes itself. */
  static final int WRITE_QUEUE_BYTES = 256 * 1024;
  /**
   * A page is written in pieces of this size: Vert.x counts its own write queue in messages (full
   * at 16), so small pieces keep what it holds small and make a stalled client fill it at once.
   */
  static final int PIECE_BYTES = 32 * 1024;
  private static final Logger LOG = LoggerFactory.getLogger(SampleExport.class);
  private static final byte[] NEWLINE = {'\n'};

  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final HealthStore store;
  private final String channelId;
  private final Context context;
  private boolean started;

  private SampleExport(RoutingContext ctx, HealthStore store, String channelId) {
    this.ctx = ctx;
    this.response = ctx.response();
    this.store = store;
    this.channelId = channelId;
    this.context = ctx.vertx().getOrCreateContext();
  }

  /** Streams the window of {@code first} (its first page) to the client. */
  static void start(RoutingContext ctx, HealthStore store, String channelId, SampleQuery first) {
    new SampleExport(ctx, store, channelId).fetch(first);
  }

  private void fetch(SampleQuery q) {
    store.samples(channelId, q).onComplete(ar -> {
      if (ar.failed()) {
        fail(ar.cause());
      } else {
        deliver(q, ar.result());
      }
    });
  }

  /** Writes a page once the write queue has room; meanwhile it is the one page held. */
  private void deliver(SampleQuery q, List<Sample> page) {
    if (response.closed()) {
      LOG.debug("export of {} stopped: the client went away", channelId);
      return;
    }
    if (started && response.writeQueueFull()) {
      response.drainHandler(v -> {
        response.drainHandler(null);
        deliver(q, page);
      });
      return;
    }
    write(q, page);
  }

  private void write(SampleQuery q, List<Sample> page) {
    if (!started) {
      started = true;
      response.setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, NDJSON)
          .setWriteQueueMaxSize(WRITE_QUEUE_BYTES);
    }
    Buffer text = lines(page);
    for (int at = 0; at < text.length(); at += PIECE_BYTES) {
      response.write(text.slice(at, Math.min(text.length(), at + PIECE_BYTES))).onFailure(this::writeFailed);
    }
    if (page.size() < q.limit()) {
      response.end().onFailure(this::writeFailed);
      return;
    }
    // The next page is read while this one is being sent; it waits for room in deliver().
    SampleQuery next = q.next(page.get(page.size() - 1));
    context.runOnContext(v -> fetch(next)); // not recursive: a store may answer at once
  }

  private static Buffer lines(List<Sample> page) {
    Buffer out = Buffer.buffer(page.size() * 160);
    try {
      for (Sample s : page) {
        out.appendBytes(Json.API.writeValueAsBytes(s)).appendBytes(NEWLINE);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private void fail(Throwable err) {
    if (!started) {
      ctx.fail(err);
      return;
    }
    // The status line is gone: cut the response so the client sees an incomplete body, never a short one.
    LOG.warn("export of {} failed after it started; the response is cut: {}", channelId, err.toString());
    response.reset().onFailure(e -> LOG.debug("resetting an export failed: {}", e.toString()));
  }

  private void writeFailed(Throwable err) {
    LOG.debug("export of {}: a write failed (client gone?): {}", channelId, err.toString());
  }
}
