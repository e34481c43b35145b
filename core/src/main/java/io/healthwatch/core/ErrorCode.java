package io.healthwatch.core;

/**
 * The stable, machine-readable error codes of the public API, with the HTTP status each maps to.
 * One place for every code: the server, the WebSocket layer and the storage backends all use these.
 */
public enum ErrorCode {
  INVALID_JSON("invalid_json", 400),
  INVALID_SAMPLE("invalid_sample", 400),
  INVALID_REQUEST("invalid_request", 400),
  UNAUTHORIZED("unauthorized", 401),
  FORBIDDEN("forbidden", 403),
  NOT_FOUND("not_found", 404),
  METHOD_NOT_ALLOWED("method_not_allowed", 405),
  CONFLICT("conflict", 409),
  TOO_LARGE("too_large", 413),
  UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 415),
  INTERNAL("internal", 500),
  UNAVAILABLE("unavailable", 503);

  private final String code;
  private final int httpStatus;

  ErrorCode(String code, int httpStatus) {
    this.code = code;
    this.httpStatus = httpStatus;
  }

  /** The code as it appears in {@code {"error":{"code":...}}}. */
  public String code() {
    return code;
  }

  public int httpStatus() {
    return httpStatus;
  }
}
