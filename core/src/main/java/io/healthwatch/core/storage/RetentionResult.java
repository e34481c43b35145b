package io.healthwatch.core.storage;

/** What a retention run removed: samples with a timestamp before {@code cutoff}. */
public record RetentionResult(long cutoff, long samplesRemoved) {}
