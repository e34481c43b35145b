package io.healthwatch.storage.disk.impl;

import io.healthwatch.core.model.Outage;

/** A closed outage moved out of memory into the outage archive at log position {@code position}. */
record ArchivedOutage(long position, Outage outage) {}
