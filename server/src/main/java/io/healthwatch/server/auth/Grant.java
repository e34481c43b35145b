package io.healthwatch.server.auth;

import java.util.EnumSet;
import java.util.Set;

/** The roles an authenticated caller holds. */
public record Grant(Set<Role> roles) {
  /** Everything: the grant of every caller when no token is configured. */
  public static final Grant OPEN = new Grant(EnumSet.allOf(Role.class));

  public Grant {
    roles = Set.copyOf(roles);
  }

  public boolean allows(Role role) {
    return roles.contains(Role.ADMIN) || roles.contains(role);
  }
}
