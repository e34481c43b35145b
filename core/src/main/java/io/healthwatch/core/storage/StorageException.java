package io.healthwatch.core.storage;

import io.healthwatch.core.ErrorCode;

/**
 * A storage operation failed in a way the caller can act on. The {@link ErrorCode} says how the
 * server answers: {@code UNAVAILABLE} (503, retry later), {@code CONFLICT}, {@code NOT_FOUND}.
 * The message is safe to show to a client: it never holds a secret or a stack trace.
 */
public class StorageException extends RuntimeException {
  private final ErrorCode code;

  public StorageException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public StorageException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  public static StorageException unavailable(String message, Throwable cause) {
    return new StorageException(ErrorCode.UNAVAILABLE, message, cause);
  }

  public static StorageException conflict(String message) {
    return new StorageException(ErrorCode.CONFLICT, message);
  }

  public static StorageException notFound(String message) {
    return new StorageException(ErrorCode.NOT_FOUND, message);
  }
}
