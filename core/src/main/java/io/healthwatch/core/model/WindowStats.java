package io.healthwatch.core.model;

/**
 * Statistics of one channel over {@code from <= timestamp < to}. {@code availability} is null for
 * an empty window; percentiles are null when no sample of the window has a latency.
 */
public record WindowStats(
    String channelId,
    long from,
    long to,
    long samples,
    long successes,
    long failures,
    Double availability,
    Long latencyP50,
    Long latencyP95,
    Long latencyP99) {}
