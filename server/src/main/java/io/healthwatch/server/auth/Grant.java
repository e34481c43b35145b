package io.healthwatch.server.auth;

import java.util.EnumSet;
import java.util.Set;

/**
 * The roles an authenticated caller holds, and who it is for the audit trail: {@link
 * Tokens#identity} of its token (never the token), or {@code open} when no token is configured.
 */
public record Grant(Set<Role> roles, String actor) {
  /** Everything: the grant of every caller when no token is configured. */
  public static final Grant OPEN = new Grant(EnumSet.allOf(Role.class), "open");

  public Grant {
    roles = Set.copyOf(roles);
  }

  public boolean allows(Role role) {
    return roles.contains(Role.ADMIN) || roles.contains(role);
  }
}
