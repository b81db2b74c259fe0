package msgstore.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** StoreEvent's typed ids (R77): MessageId for message events, FolderId for folder events. */
class StoreEventTest {
  private static final StoreId STORE = new StoreId(UUID.fromString("00112233-4455-6677-8899-aabbccddeeff"));

  private static StoreEvent moved(StoreEvent.ObjectKind kind) {
    return new StoreEvent(9, EventType.OBJECT_MOVED, STORE, kind, 12, Optional.of(FolderId.of(3)), Optional.of(11L),
        Optional.of(FolderId.of(2)), Optional.empty(), Optional.empty(), List.of(), Instant.EPOCH);
  }

  @Test
  void messageEventShouldGiveMessageIdsAndNoFolderIdsWhenMoved() {
    StoreEvent e = moved(StoreEvent.ObjectKind.MESSAGE);
    assertThat(e.messageId()).contains(MessageId.of(12));
    assertThat(e.oldMessageId()).contains(MessageId.of(11));
    assertThat(e.folderId()).isEmpty();
    assertThat(e.oldFolderId()).isEmpty();
    assertThat(e.concerns(MessageId.of(12))).isTrue();
    assertThat(e.concerns(MessageId.of(11))).isTrue();
    assertThat(e.concerns(MessageId.of(3))).isFalse();
  }

  @Test
  void folderEventShouldGiveFolderIdsAndNoMessageIdsWhenMoved() {
    StoreEvent e = moved(StoreEvent.ObjectKind.FOLDER);
    assertThat(e.folderId()).contains(FolderId.of(12));
    assertThat(e.oldFolderId()).contains(FolderId.of(11));
    assertThat(e.messageId()).isEmpty();
    assertThat(e.oldMessageId()).isEmpty();
    assertThat(e.concerns(MessageId.of(12))).isFalse();
  }
}
