package io.healthwatch.core.model;

import java.util.Objects;

/**
 * One entry of the audit trail: a change that is not ingestion, or a refused authentication.
 *
 * @param time when it happened, epoch ms
 * @param actor who did it: a token's identity ({@code sha256:} and the first 12 hex digits of the
 *     token's SHA-256), {@code open} when the server runs without tokens, {@code none} when no
 *     token was sent, {@code system} for the server's own work, or a command's name. Never a token.
 * @param action what was done, one of the constants of this class (commands may add their own)
 * @param target what it was done to: a channel id, a custom key, a watch id, a path; may be empty
 * @param detail a short outcome or reason, or null
 */
public record AuditRecord(long time, String actor, String action, String target, String detail) {
  public static final int MAX_ACTOR = 128;
  public static final int MAX_ACTION = 64;
  public static final int MAX_TARGET = 512;
  public static final int MAX_DETAIL = 1_024;

  public static final String CHANNEL_DELETE = "channel.delete";
  public static final String CUSTOM_PUT = "custom.put";
  public static final String CUSTOM_DELETE = "custom.delete";
  public static final String WATCH_START = "watch.start";
  public static final String WATCH_STOP = "watch.stop";
  public static final String RETENTION_RUN = "retention.run";
  public static final String IMPORT = "import";
  public static final String RESTORE = "restore";
  public static final String MIGRATE = "migrate";
  /** A request or connection refused for a missing or unknown token, or a missing role. */
  public static final String AUTH_REFUSED = "auth.refused";

  /** The actor of the server's own work (retention runs). */
  public static final String SYSTEM = "system";

  public AuditRecord {
    actor = clip(Objects.requireNonNull(actor, "actor"), MAX_ACTOR);
    action = clip(Objects.requireNonNull(action, "action"), MAX_ACTION);
    target = clip(target == null ? "" : target, MAX_TARGET);
    detail = detail == null ? null : clip(detail, MAX_DETAIL);
  }

  private static String clip(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int cut = Character.isHighSurrogate(s.charAt(max - 2)) ? max - 2 : max - 1;
    return s.substring(0, cut) + "…";
  }
}
