package msgstore.engine.spi;

import java.util.List;

/**
 * A page of a folder's live messages and the number of live messages in the folder, both read
 * from one snapshot, so that the count and the page always agree.
 */
public record FolderPage(List<StoredMessage> messages, long liveCount) {
  public FolderPage {
    messages = List.copyOf(messages);
  }
}
