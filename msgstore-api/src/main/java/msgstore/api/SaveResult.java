package msgstore.api;

import java.util.Optional;

/**
 * What a successful message SaveChanges committed (R24, X2).
 *
 * @param messageId the committed message (for SAVE_ELSEWHERE, the new copy: R84)
 * @param changeNumber the version now current (for a no-op save, R31, the unchanged base)
 * @param changeKey that version's change key
 * @param committed false for a no-op save that wrote nothing (R31)
 * @param replaced for a forced save (or an OVERWRITE choice) that overwrote someone else's
 *     version: that version, still readable in history (X2)
 * @param mergeReport for a merge save: what each side changed and how conflicts were resolved
 * @param choice the conflict choice that produced this result, if a resolver was asked (R81)
 */
public record SaveResult(
    MessageId messageId,
    ChangeNumber changeNumber,
    ChangeKey changeKey,
    boolean committed,
    Optional<ChangeNumber> replaced,
    Optional<MergeReport> mergeReport,
    Optional<ConflictChoice> choice) {}
