package msgstore.testkit;

import java.util.Locale;

/**
 * The size of stress and property campaigns: {@code -Dmsgstore.stress=ci} (the default, small and
 * fast) or {@code full} (the long run). The parent pom passes the property to surefire.
 */
public final class Stress {
  /** The system property that selects the campaign size. */
  public static final String PROPERTY = "msgstore.stress";

  private Stress() {}

  /** True when {@code -Dmsgstore.stress=full}. */
  public static boolean full() {
    return "full".equals(System.getProperty(PROPERTY, "ci").strip().toLowerCase(Locale.ROOT));
  }

  /** {@code ci} normally, {@code full} in the full campaign. */
  public static int scale(int ci, int full) {
    return full() ? full : ci;
  }
}
