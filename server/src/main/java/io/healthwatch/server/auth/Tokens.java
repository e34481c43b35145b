package io.healthwatch.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The configured bearer tokens. Only SHA-256 hashes are kept, and a presented token is compared
 * with every entry in constant time, so neither the comparison nor its timing tells which entry
 * came close. No method ever returns or prints a token.
 */
public final class Tokens {
  private final List<Entry> entries;

  private record Entry(byte[] hash, Grant grant) {}

  private Tokens(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** No token configured: the server runs open. */
  public static Tokens none() {
    return new Tokens(List.of());
  }

  /**
   * Parses a tokens file: one {@code <token> <role>[,<role>...]} a line, blank lines and lines
   * starting with {@code #} ignored.
   *
   * @throws IllegalArgumentException naming the line number (never the token) of a bad line
   */
  public static Tokens parse(List<String> lines) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      int lineNo = i + 1;
      if (parts.length != 2) {
        throw new IllegalArgumentException("line " + lineNo + ": expected '<token> <role>[,<role>...]'");
      }
      Set<Role> roles = EnumSet.noneOf(Role.class);
      for (String r : parts[1].split(",")) {
        roles.add(Role.fromWire(r.strip()).orElseThrow(() -> new IllegalArgumentException(
            "line " + lineNo + ": unknown role '" + r.strip() + "' (roles are ingest, read, admin)")));
      }
      byte[] hash = sha256(parts[0]);
      for (Entry e : entries) {
        if (MessageDigest.isEqual(e.hash(), hash)) {
          throw new IllegalArgumentException("line " + lineNo + ": the same token appears on an earlier line");
        }
      }
      entries.add(new Entry(hash, new Grant(roles, identityOf(hash))));
    }
    return new Tokens(entries);
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  public int size() {
    return entries.size();
  }

  /** The grant of a presented token, or empty when it is unknown. */
  public Optional<Grant> authenticate(String token) {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    byte[] hash = sha256(token);
    Grant found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.hash(), hash) && found == null) {
        found = e.grant();
      }
    }
    return Optional.ofNullable(found);
  }

  /** The actor of the audit trail when no token was sent. */
  public static final String NO_TOKEN = "none";

  /**
   * Who presented {@code token}, for the audit trail and logs: {@code sha256:} and the first 12 hex
   * digits of its SHA-256 (48 bits: tells tokens apart, reveals nothing of them), or {@link
   * #NO_TOKEN}. The same for a known and an unknown token, so refused attempts can be traced too.
   */
  public static String identity(String token) {
    return token == null || token.isEmpty() ? NO_TOKEN : identityOf(sha256(token));
  }

  private static String identityOf(byte[] hash) {
    return "sha256:" + java.util.HexFormat.of().formatHex(hash, 0, 6);
  }

  /** The token of an {@code Authorization: Bearer <token>} header value, or null. */
  public static String bearer(String header) {
    if (header == null) {
      return null;
    }
    String h = header.strip();
    if (h.length() > 7 && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return h.substring(7).strip();
    }
    return null;
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  @Override
  public String toString() {
    return "Tokens[" + entries.size() + " configured]";
  }
}
