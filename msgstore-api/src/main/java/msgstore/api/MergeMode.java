package msgstore.api;

/** EWS-style merge on save (R87-R93). NONE is the default: R28/R36 apply unchanged. */
public enum MergeMode {
  NONE,
  /** Conflicting units fail the save with OBJECT_CHANGED; nothing is written (R89). */
  NEVER_OVERWRITE,
  /** Conflicting units take the handle's value, except protected properties (R89). */
  AUTO_RESOLVE,
  /** Conflicting units take the handle's value (R89, R93). */
  ALWAYS_OVERWRITE
}
