package msgstore.testkit;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/**
 * The contract every {@link msgstore.api.MessageStore} implementation passes (STYLE habit 14): the
 * MUST rules of spec.md sections 2-11 and 14, the EXT rules of sections 12-13, msgstore's X1-X4 and
 * X6, folders, contents tables and properties. One {@link Nested} class per feature; the tests live
 * in the {@code *Rules} classes of this package and cite the rules they check.
 *
 * <p>To run it, subclass with a factory:
 *
 * <pre>{@code
 * class EmbeddedSqliteContractTest extends MessageStoreContract {
 *   protected MessageStore openStore(Path dir) { return SqliteMessageStore.open(dir.resolve("store.db")); }
 *   protected List<String> integrityProblems(MessageStore s) { return ((EmbeddedMessageStore) s).checkIntegrity(); }
 * }
 * }</pre>
 *
 * <p>Every test gets a fresh store on its own temporary directory with the mailbox of {@value
 * StoreFixture#OWNER}; after every test the store's {@link #integrityProblems} must be empty
 * (habit 15). Optional features are skipped unless {@link #capabilities()} lists them. The
 * concurrency and model-based suites are separate: {@link ConcurrencyContract}, {@link
 * ModelBasedContract}.
 */
public abstract class MessageStoreContract extends StoreContractBase {

  @Nested
  @DisplayName("2. Opening a message (R1-R7, R96)")
  class Opening extends OpenRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("3. Isolation of pending changes (R9-R14)")
  class Isolation extends IsolationRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("4. SaveChanges flags and handle state (R15-R24)")
  class SaveFlags extends SaveFlagRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("5. Conflict detection and check order (R25-R34)")
  class CheckOrder extends CheckOrderRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("6. FORCE_SAVE (R35-R40, R64, X2)")
  class ForceSave extends ForceSaveRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("IMAP numbers: UID, MODSEQ, STORE (ADR 0028)")
  class ImapNumbers extends ImapNumberRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("7. Deletion and move while open (R41-R46, X3)")
  class DeleteAndMove extends DeleteAndMoveRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("8. Recipients (R47-R49)")
  class Recipients extends RecipientRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("8. Attachments (R50-R56, R100)")
  class Attachments extends AttachmentRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("8. Embedded messages (R57-R60)")
  class EmbeddedMessages extends EmbeddedMessageRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("9. Change tracking (R61-R67)")
  class ChangeTracking extends ChangeTrackingRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("10. Read state and status (R71-R74)")
  class ReadState extends ReadStateRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("11. Notifications (R75-R80)")
  class Notifications extends NotificationRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("12. Conflict resolver (R81-R86, X6)")
  class ConflictChoices extends ConflictChoiceRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("13. Three-way merge (R87-R93)")
  class Merge extends MergeRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("14. Miscellaneous (R94) and error reporting")
  class Miscellaneous extends MiscellaneousRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("X1-X3. History, retention, restore")
  class History extends HistoryRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("X4. Change journal and resume")
  class Journal extends JournalRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("Folders and hierarchy")
  class Folders extends FolderRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("Contents tables")
  class ContentsTables extends ContentsTableRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }

  @Nested
  @DisplayName("Properties: named, canonical names, types, limits")
  class Properties extends PropertyRules {
    @Override
    protected StoreFixture fx() {
      return MessageStoreContract.this.fx();
    }
  }
}
