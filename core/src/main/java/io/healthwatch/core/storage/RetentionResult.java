package io.healthwatch.core.storage;

/**
 * What a retention run removed: raw samples with a timestamp before {@code cutoff}, and rollup
 * buckets (minute buckets before {@code cutoff}, hour buckets before {@code rollupCutoff};
 * {@code rollupBucketsRemoved} counts the hour buckets).
 */
public record RetentionResult(long cutoff, long samplesRemoved, long rollupCutoff, long rollupBucketsRemoved) {
  /** A run that reports no rollup figures. */
  public RetentionResult(long cutoff, long samplesRemoved) {
    this(cutoff, samplesRemoved, cutoff, 0);
  }
}
