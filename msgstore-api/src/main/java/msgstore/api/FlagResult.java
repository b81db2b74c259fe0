package msgstore.api;

import java.util.Optional;

/**
 * What {@link Session#storeFlags} left: the message's UID (unchanged by a flag change) and its new
 * MODSEQ, and the change key of the new version when flag properties were written (empty when
 * only the read state or the deletion mark changed, R71, R74).
 */
public record FlagResult(MessageId id, long uid, long modseq, Optional<ChangeKey> changeKey) {}
