package io.healthwatch.core.legacy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.healthwatch.core.json.Json;
import java.io.IOException;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Reads the records of a JSON file that may be cut off or damaged. A strict streaming pass keeps
 * every complete record before the damage; from there a salvage pass tries each following
 * {@code {} as the start of a record and keeps those that parse and look like one, so records
 * after a damaged stretch are recovered too. Bytes that belong to no recovered record (and are
 * more than punctuation, white space or a key) are counted as unreadable.
 */
final class TolerantJsonReader {
  /** Punctuation, white space and keys between records: structure, not lost data. */
  private static final Pattern STRUCTURE =
      Pattern.compile("[\\s,:\\[\\]{}]*(\"(?:[^\"\\\\]|\\\\.)*\"\\s*:[\\s\\[{]*[\\s,:\\[\\]{}]*)*+|null");

  /** Receives one record with the byte offset where it starts. */
  interface RecordSink {
    void accept(JsonNode record, int offset);
  }

  /** How records sit in a file. */
  enum Layout {
    /** The file is an array of records. */
    ARRAY,
    /** The file is an object of channels, each with a {@code samples} array of records. */
    CHANNEL_MAP
  }

  /** What one file yielded. */
  record Outcome(boolean damaged, long unreadableBytes) {}

  private final byte[] data;
  private final Layout layout;
  private final Predicate<JsonNode> looksLikeRecord;
  private final RecordSink sink;
  private long unreadable;
  private int coveredUpTo;
  /** Where unread bytes begin once the strict pass fails. */
  private int gapStart;
  /** For CHANNEL_MAP: the channel the strict pass is in. */
  private String channel;

  private TolerantJsonReader(byte[] data, Layout layout, Predicate<JsonNode> looksLikeRecord, RecordSink sink) {
    this.data = data;
    this.layout = layout;
    this.looksLikeRecord = looksLikeRecord;
    this.sink = sink;
  }

  /**
   * Reads every recoverable record. For {@link Layout#CHANNEL_MAP} each record handed to the sink
   * carries the key of the channel it sat under as {@code channelId}.
   */
  static Outcome read(byte[] data, Layout layout, Predicate<JsonNode> looksLikeRecord, RecordSink sink) {
    TolerantJsonReader r = new TolerantJsonReader(data, layout, looksLikeRecord, sink);
    int damageAt = r.strictPass();
    if (damageAt < 0) {
      return new Outcome(false, 0);
    }
    r.salvage(damageAt, r.gapStart);
    return new Outcome(true, r.unreadable);
  }

  /** Returns -1 when the whole file parsed, else the offset from which to salvage. */
  private int strictPass() {
    int recordStart = -1;
    try (JsonParser p = Json.MAPPER.getFactory().createParser(data)) {
      JsonToken top = p.nextToken();
      if (top == null) {
        return -1; // empty file: nothing to read, nothing lost
      }
      if (layout == Layout.ARRAY) {
        expect(p, top, JsonToken.START_ARRAY);
        while (p.nextToken() != JsonToken.END_ARRAY) {
          recordStart = offset(p);
          emitStrict(p, recordStart, null);
          recordStart = -1;
        }
        good(p);
      } else {
        expect(p, top, JsonToken.START_OBJECT);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          channel = p.currentName();
          if (p.nextToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            continue;
          }
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if ("samples".equals(field) && v == JsonToken.START_ARRAY) {
              while (p.nextToken() != JsonToken.END_ARRAY) {
                recordStart = offset(p);
                emitStrict(p, recordStart, channel);
                recordStart = -1;
              }
            } else {
              p.skipChildren();
            }
            good(p);
          }
          good(p);
        }
        good(p);
      }
      if (p.nextToken() != null) {
        throw new IOException("content after the end of the document");
      }
      return -1;
    } catch (IOException | RuntimeException e) {
      gapStart = recordStart >= 0 ? recordStart : Math.max(coveredUpTo, lastGood);
      return recordStart >= 0 ? recordStart + 1 : gapStart;
    }
  }

  private int lastGood;

  /** Remembers how far the strict pass has read without fault. */
  private void good(JsonParser p) {
    lastGood = (int) p.currentLocation().getByteOffset();
  }

  private void emitStrict(JsonParser p, int start, String channelKey) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    JsonNode node = p.readValueAsTree();
    int end = (int) p.currentLocation().getByteOffset();
    deliver(node, start, end, channelKey);
  }

  private void deliver(JsonNode node, int start, int end, String channelKey) {
    if (channelKey != null && node.isObject()) {
      ((com.fasterxml.jackson.databind.node.ObjectNode) node).put("channelId", channelKey);
    }
    sink.accept(node, start);
    coveredUpTo = Math.max(coveredUpTo, end);
  }

  private void salvage(int from, int firstGap) {
    int gapStart = firstGap;
    int pos = Math.max(from, coveredUpTo);
    String context = channel;
    while (pos < data.length) {
      int brace = indexOf((byte) '{', pos);
      if (brace < 0) {
        break;
      }
      JsonNode node;
      int end;
      try (JsonParser p = Json.MAPPER.getFactory().createParser(data, brace, data.length - brace)) {
        p.nextToken();
        node = p.readValueAsTree();
        end = brace + (int) p.currentLocation().getByteOffset();
      } catch (IOException | RuntimeException e) {
        String key = layout == Layout.CHANNEL_MAP ? keyBefore(brace) : null;
        if (key != null && !key.equals("details")) {
          context = key; // a damaged channel object: the samples that follow are its own
        }
        pos = brace + 1;
        continue;
      }
      if (layout == Layout.CHANNEL_MAP && node.has("samples") && node.get("samples").isArray()) {
        String key = keyBefore(brace);
        if (key != null) {
          context = key;
          countGap(gapStart, brace);
          for (JsonNode s : node.get("samples")) {
            if (s.isObject() && looksLikeRecord.test(s)) {
              deliver(s, brace, end, key);
            }
          }
          gapStart = end;
          pos = end;
          continue;
        }
      }
      if (looksLikeRecord.test(node)) {
        if (layout == Layout.CHANNEL_MAP) {
          String key = keyBefore(brace);
          if (key != null && !key.equals("details")) {
            context = key; // a channel object whose samples array was cut: its key is right here
          }
          if (context == null) {
            pos = brace + 1;
            continue;
          }
        }
        countGap(gapStart, brace);
        deliver(node, brace, end, layout == Layout.CHANNEL_MAP ? context : null);
        gapStart = end;
        pos = end;
      } else {
        pos = brace + 1;
      }
    }
    countGap(gapStart, data.length);
  }

  private void countGap(int from, int to) {
    while (from < to && (Character.isWhitespace(data[from]) || data[from] == ',')) {
      from++;
    }
    while (to > from && Character.isWhitespace(data[to - 1])) {
      to--;
    }
    if (to <= from) {
      return;
    }
    String gap = new String(data, from, to - from, java.nio.charset.StandardCharsets.UTF_8);
    if (!STRUCTURE.matcher(gap).matches()) {
      unreadable += to - from;
    }
  }

  /** The key of {@code "key": {} right before {@code brace}, or null. */
  private String keyBefore(int brace) {
    int i = brace - 1;
    while (i >= 0 && Character.isWhitespace(data[i])) {
      i--;
    }
    if (i < 0 || data[i] != ':') {
      return null;
    }
    i--;
    while (i >= 0 && Character.isWhitespace(data[i])) {
      i--;
    }
    if (i < 0 || data[i] != '"') {
      return null;
    }
    int end = i;
    i--;
    while (i >= 0 && !(data[i] == '"' && (i == 0 || data[i - 1] != '\\'))) {
      i--;
    }
    if (i < 0) {
      return null;
    }
    return new String(data, i + 1, end - i - 1, java.nio.charset.StandardCharsets.UTF_8);
  }

  private int indexOf(byte b, int from) {
    for (int i = from; i < data.length; i++) {
      if (data[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static int offset(JsonParser p) {
    return (int) p.currentTokenLocation().getByteOffset();
  }

  private static void expect(JsonParser p, JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException("expected " + expected + " but found " + actual + " at " + p.currentTokenLocation());
    }
  }
}
