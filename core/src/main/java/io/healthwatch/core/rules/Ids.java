package io.healthwatch.core.rules;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Unique ids that sort by time: 26 characters of Crockford base32, 48 bits of epoch milliseconds
 * followed by 80 bits that are random ({@link #next}) or derived from content ({@link #derived}).
 * Ids made by one process in the same millisecond still sort in the order they were made.
 */
public final class Ids {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static long lastMillis = -1;
  private static final byte[] lastRandom = new byte[10];

  private Ids() {}

  /** A new random id for the given time. */
  public static synchronized String next(long millis) {
    if (millis == lastMillis) {
      increment(lastRandom);
    } else {
      lastMillis = millis;
      RANDOM.nextBytes(lastRandom);
    }
    return encode(millis, lastRandom);
  }

  /**
   * An id for {@code millis} whose other 80 bits are a hash of {@code parts}: the same parts
   * always give the same id. Backends that replay history (or several servers sharing one
   * database) thus give an outage the same id every time they derive it.
   */
  public static String derived(long millis, String... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String p : parts) {
        sha.update(p.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      byte[] rnd = new byte[10];
      System.arraycopy(sha.digest(), 0, rnd, 0, 10);
      return encode(millis, rnd);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  /** The time encoded in an id made here. */
  public static long millisOf(String id) {
    long v = 0;
    for (int i = 0; i < 10; i++) {
      v = (v << 5) | indexOf(id.charAt(i));
    }
    return v;
  }

  private static int indexOf(char c) {
    for (int i = 0; i < ALPHABET.length; i++) {
      if (ALPHABET[i] == c) {
        return i;
      }
    }
    throw new IllegalArgumentException("not an id: " + c);
  }

  private static void increment(byte[] bytes) {
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (++bytes[i] != 0) {
        return;
      }
    }
  }

  private static String encode(long millis, byte[] rnd) {
    char[] out = new char[26];
    long t = millis & 0xFFFF_FFFF_FFFFL;
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (t & 31)];
      t >>>= 5;
    }
    // 80 random bits as 16 base32 characters.
    long hi = ((rnd[0] & 0xFFL) << 32) | ((rnd[1] & 0xFFL) << 24) | ((rnd[2] & 0xFFL) << 16)
        | ((rnd[3] & 0xFFL) << 8) | (rnd[4] & 0xFFL);
    long lo = ((rnd[5] & 0xFFL) << 32) | ((rnd[6] & 0xFFL) << 24) | ((rnd[7] & 0xFFL) << 16)
        | ((rnd[8] & 0xFFL) << 8) | (rnd[9] & 0xFFL);
    for (int i = 17; i >= 10; i--) {
      out[i] = ALPHABET[(int) (hi & 31)];
      hi >>>= 5;
    }
    for (int i = 25; i >= 18; i--) {
      out[i] = ALPHABET[(int) (lo & 31)];
      lo >>>= 5;
    }
    return new String(out);
  }
}
