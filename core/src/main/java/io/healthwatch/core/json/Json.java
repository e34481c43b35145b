package io.healthwatch.core.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The one Jackson configuration of the project. {@link #API} writes what clients see; {@link
 * #STORAGE} writes and reads everything, internal fields included, for snapshots and rows.
 */
public final class Json {
  /** Reads and writes every field; for storage. */
  public static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(MapperFeature.DEFAULT_VIEW_INCLUSION)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  /**
   * Writes what API clients see: internal fields left out. Characters outside the Basic
   * Multilingual Plane are written as themselves in UTF-8 output too, as in a String (Jackson's
   * byte output would otherwise escape them as a surrogate pair).
   */
  public static final ObjectWriter API = MAPPER.writerWithView(Views.Public.class)
      .with(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8);

  /** Writes every field, for backends. */
  public static final ObjectWriter STORAGE = MAPPER.writer();

  private static final int INITIAL_BUFFER = 4_096;

  private Json() {}

  public static String toApiJson(Object value) {
    try {
      return API.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The same JSON as {@link #toApiJson} as UTF-8 bytes written straight into a buffer, for a
   * response body: no String, no char buffer and no copy of the bytes in between (an answer of
   * 1,000 samples is about 130 KB, and those copies were most of what a query allocated).
   */
  public static Buffer toApiJsonBuffer(Object value) {
    Buffer out = Buffer.buffer(INITIAL_BUFFER);
    try {
      API.writeValue(new OutputStream() {
        @Override
        public void write(int b) {
          out.appendByte((byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          out.appendBytes(b, off, len);
        }
      }, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  public static String toStorageJson(Object value) {
    try {
      return STORAGE.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static <T> T fromJson(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
