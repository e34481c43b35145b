package io.healthwatch.core.model;

/** Statistics of one channel during a watch session. */
public record WatchChannelStats(
    long samples,
    long successes,
    long failures,
    Double availability,
    Long latencyP50,
    Long latencyP95,
    long outages) {}
