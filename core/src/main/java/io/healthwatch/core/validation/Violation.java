package io.healthwatch.core.validation;

/**
 * One broken rule: the sample's position in the batch, the field as the client named it, and
 * what is wrong with it.
 */
public record Violation(int index, String field, String message) {}
