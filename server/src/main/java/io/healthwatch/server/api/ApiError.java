package io.healthwatch.server.api;

import io.healthwatch.core.ErrorCode;
import io.healthwatch.core.storage.StorageException;
import io.healthwatch.core.validation.Violation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An answer that is an error: a stable {@link ErrorCode}, a message safe to show, and details
 * (for example every broken rule of a batch). HTTP writes it as {@code {"error":{...}}}, the
 * WebSocket as an error frame.
 */
public final class ApiError extends RuntimeException {
  private static final Logger LOG = LoggerFactory.getLogger(ApiError.class);

  private final ErrorCode code;
  private final List<Map<String, Object>> details;

  public ApiError(ErrorCode code, String message) {
    this(code, message, List.of());
  }

  public ApiError(ErrorCode code, String message, List<Map<String, Object>> details) {
    super(message, null, false, false);
    this.code = code;
    this.details = List.copyOf(details);
  }

  public static ApiError invalidRequest(String message) {
    return new ApiError(ErrorCode.INVALID_REQUEST, message);
  }

  public static ApiError notFound(String message) {
    return new ApiError(ErrorCode.NOT_FOUND, message);
  }

  public static ApiError invalidSamples(List<Violation> violations) {
    List<Map<String, Object>> details = violations.stream().map(v -> {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("index", v.index());
      d.put("field", v.field());
      d.put("message", v.message());
      return d;
    }).toList();
    String message = violations.size() == 1 ? "1 rule is broken" : violations.size() + " rules are broken";
    return new ApiError(ErrorCode.INVALID_SAMPLE, message + "; nothing was stored", details);
  }

  /**
   * What the client is told about a failure: API errors as they are, storage errors by their code,
   * anything else as a generic 500 that is logged here with its stack trace and never shown.
   */
  public static ApiError from(Throwable failure) {
    if (failure instanceof ApiError e) {
      return e;
    }
    if (failure instanceof StorageException se) {
      if (se.code() == ErrorCode.UNAVAILABLE) {
        LOG.warn("storage unavailable: {}", se.getMessage());
      }
      return new ApiError(se.code(), se.getMessage() == null ? "storage failure" : se.getMessage());
    }
    LOG.error("request failed", failure);
    return new ApiError(ErrorCode.INTERNAL, "internal server error");
  }

  public ErrorCode code() {
    return code;
  }

  public List<Map<String, Object>> details() {
    return details;
  }

  /** The {@code {"code","message","details"}} object. */
  public Map<String, Object> body() {
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("code", code.code());
    b.put("message", getMessage());
    b.put("details", details);
    return b;
  }
}
