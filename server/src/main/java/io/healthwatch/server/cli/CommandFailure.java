package io.healthwatch.server.cli;

/** Ends an operator command with one line on standard error and an exit code. */
final class CommandFailure extends RuntimeException {
  /** The operation ran and found something wrong (damage, a mismatch) or failed. */
  static final int FAILED = 1;
  /** Bad input: a setting, a missing file, a store that is not empty. */
  static final int BAD_INPUT = 2;

  final int exitCode;

  CommandFailure(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  static CommandFailure badInput(String message) {
    return new CommandFailure(BAD_INPUT, message);
  }

  static CommandFailure failed(String message) {
    return new CommandFailure(FAILED, message);
  }
}
