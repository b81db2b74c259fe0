package msgstore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import msgstore.api.AccessLevel;
import msgstore.api.MapiError;
import msgstore.api.OpenFlag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import org.junit.jupiter.api.Test;

class ViewsTest {
  @Test
  void anAttachmentShowsItsNumberSizeAndADefaultMethod() {
    assertThat(Views.attachment(2, List.of(PropValue.of(PropTags.DISPLAY_NAME, "a")), 10, true)).containsExactlyInAnyOrder(
        PropValue.of(PropTags.DISPLAY_NAME, "a"), PropValue.of(PropTags.ATTACH_NUM, 2),
        PropValue.of(PropTags.ATTACH_SIZE, 10), PropValue.of(PropTags.ATTACH_METHOD, PropTags.ATTACH_EMBEDDED_MSG));
  }

  @Test
  void theMessageFlagsFollowTheAttachmentTableAndTheRowsReadState() { // R71
    List<PropValue> saved = Views.messageFlags(PropTags.MSGFLAG_READ | PropTags.MSGFLAG_HASATTACH, false, true, 0);
    assertThat(saved).containsExactly(PropValue.of(PropTags.MESSAGE_FLAGS, 0),
        PropValue.of(PropTags.HAS_ATTACHMENTS, false));
    List<PropValue> fresh = Views.messageFlags(PropTags.MSGFLAG_READ, true, false, 0);
    assertThat(fresh).containsExactly(
        PropValue.of(PropTags.MESSAGE_FLAGS, PropTags.MSGFLAG_READ | PropTags.MSGFLAG_HASATTACH),
        PropValue.of(PropTags.HAS_ATTACHMENTS, true), PropValue.of(PropTags.READ, true));
  }

  @Test
  void anAttachmentWithoutAnEmbeddedMessageOpensOnlyForOneWriter() { // R57, R58
    HandleState rw = new HandleState(AccessLevel.MODIFY, false, () -> "attachment 0 of message 1", () -> {});
    assertThat(Views.embeddedAccess(rw, Set.of(OpenFlag.MODIFY), false, false)).isEqualTo(AccessLevel.MODIFY);
    assertThat(Errors.code(() -> Views.embeddedAccess(rw, Set.of(OpenFlag.MODIFY), false, true))).isEqualTo(MapiError.NO_ACCESS);
    assertThatThrownBy(() -> Views.embeddedAccess(rw, Set.of(), false, false))
        .hasMessageEndingWith("attachment 0 of message 1 holds no embedded message");
    HandleState ro = new HandleState(AccessLevel.READ_ONLY, false, () -> "attachment 0 of message 1", () -> {});
    assertThatThrownBy(() -> Views.embeddedAccess(ro, Set.of(OpenFlag.MODIFY), true, false))
        .hasMessageEndingWith("cannot open the embedded message of attachment 0 of message 1 for writing: "
            + "the attachment handle is read-only");
  }
}
