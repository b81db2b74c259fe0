package msgstore.engine.spi;

import java.util.UUID;

/** A named-property mapping of a store: {@code name} or {@code lid} is null. */
public record NamedPropRow(int propId, UUID guid, String name, Integer lid) {}
