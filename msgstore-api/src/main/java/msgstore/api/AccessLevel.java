package msgstore.api;

/** PR_ACCESS_LEVEL of a handle (R3): 0 read-only, 1 modify. */
public enum AccessLevel {
  READ_ONLY(0),
  MODIFY(1);

  private final int value;

  AccessLevel(int value) {
    this.value = value;
  }

  public int value() {
    return value;
  }
}
