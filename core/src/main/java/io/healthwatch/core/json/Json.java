package io.healthwatch.core.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
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

  /** Writes what API clients see: internal fields left out. */
  public static final ObjectWriter API = MAPPER.writerWithView(Views.Public.class);

  /** Writes every field, for backends. */
  public static final ObjectWriter STORAGE = MAPPER.writer();

  private Json() {}

  public static String toApiJson(Object value) {
    try {
      return API.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
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
