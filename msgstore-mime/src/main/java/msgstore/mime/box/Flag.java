package msgstore.mime.box;

import java.util.EnumSet;
import java.util.Set;

/**
 * The message flags mailbox formats carry, with their Maildir letters (the {@code :2,} info of a
 * Maildir file name, http://cr.yp.to/proto/maildir.html). mbox and .eml carry none.
 */
public enum Flag {
  /** S: seen; becomes the read flag (MSGFLAG_READ). */
  READ('S'),
  /** F: flagged; becomes PidTagFlagStatus = 2 (followupFlagged). */
  FLAGGED('F'),
  /** R: replied; becomes PidTagLastVerbExecuted = 102 (reply to sender). */
  ANSWERED('R'),
  /** D: draft; keeps MSGFLAG_UNSENT (a message never sent), which an import otherwise clears. */
  DRAFT('D'),
  /** T: trashed (marked for deletion). */
  TRASHED('T');

  private final char letter;

  Flag(char letter) {
    this.letter = letter;
  }

  public char maildirLetter() {
    return letter;
  }

  /** The flags of a Maildir info string such as {@code "FRS"}; unknown letters (P, lower case) are ignored. */
  public static Set<Flag> fromMaildirInfo(String letters) {
    Set<Flag> out = EnumSet.noneOf(Flag.class);
    for (Flag f : values()) {
      if (letters.indexOf(f.letter) >= 0) {
        out.add(f);
      }
    }
    return out;
  }

  /** The Maildir info letters of {@code flags}, in ASCII order as the Maildir spec requires. */
  public static String toMaildirInfo(Set<Flag> flags) {
    char[] cs = new char[flags.size()];
    int i = 0;
    for (Flag f : flags) {
      cs[i++] = f.letter;
    }
    java.util.Arrays.sort(cs);
    return new String(cs);
  }
}
