package msgstore.api;

import java.io.InputStream;
import java.util.Optional;

/**
 * An attachment handle (R50-R60). Its SaveChanges copies its pending state into the parent message
 * handle's pending state and never touches the store (R51).
 */
public interface Attachment extends PropObject {
  /** PR_ATTACH_NUM, unique within the parent message's view (R50). */
  int attachNum();

  /**
   * Streams content (PR_ATTACH_DATA_BIN) into the attachment's pending state; the content is
   * never held whole in memory. Sets PR_ATTACH_METHOD to ATTACH_BY_VALUE and PR_ATTACH_SIZE.
   *
   * @throws StoreException TOO_BIG over the attachment size limit; nothing is set then
   */
  ContentRef writeContent(InputStream content);

  /** Streams the view's content; empty if the attachment has no binary content. */
  Optional<InputStream> openContent();

  /** The view's content reference. */
  Optional<ContentRef> content();

  /**
   * Opens the embedded message (R57, R58): with MODIFY on an attachment that has none, creates it
   * (ATTACH_EMBEDDED_MSG). A second read/write open before the first is saved fails.
   */
  Message openEmbeddedMessage(OpenFlag... flags);

  /** Attachment SaveChanges (R51): flags and handle states as R16-R22. */
  void saveChanges(SaveFlag... flags);
}
