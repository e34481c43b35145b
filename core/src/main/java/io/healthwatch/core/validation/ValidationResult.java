package io.healthwatch.core.validation;

import io.healthwatch.core.model.Sample;
import java.util.List;

/**
 * The outcome of validating a batch: every broken rule, or (when there is none) the normalised
 * samples in the order they came.
 */
public record ValidationResult(List<Sample> samples, List<Violation> violations) {
  public ValidationResult {
    samples = List.copyOf(samples);
    violations = List.copyOf(violations);
  }

  public boolean valid() {
    return violations.isEmpty();
  }
}
