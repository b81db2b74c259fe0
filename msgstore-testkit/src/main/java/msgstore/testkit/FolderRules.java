package msgstore.testkit;

import static msgstore.api.MapiError.COLLISION;
import static msgstore.api.MapiError.FOLDER_CYCLE;
import static msgstore.api.MapiError.NOT_FOUND;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import msgstore.api.DeleteMode;
import msgstore.api.Folder;
import msgstore.api.FolderInfo;
import msgstore.api.FolderRights;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.StoreException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Folders: the created store, hierarchy, create, rename, move, delete with contents. Part of {@link MessageStoreContract}. */
public abstract class FolderRules extends ContractSupport {

  private static List<String> names(List<FolderInfo> rows) {
    return rows.stream().map(FolderInfo::displayName).toList();
  }

  @Test
  @DisplayName("createStore makes a store owned by the session's user with a root and the top folders")
  void createStoreShouldMakeTheTopFoldersWhenCalled() {
    var info = fx().storeInfo();
    assertThat(info.owner()).isEqualTo(StoreFixture.OWNER);
    assertThat(owner().store(storeId())).isEqualTo(info);
    assertThat(owner().stores()).extracting(s -> s.id()).contains(storeId());
    List<FolderInfo> top = root().hierarchy(false);
    assertThat(names(top)).containsAll(StoreFixture.TOP_FOLDERS);
    assertThat(top).allSatisfy(f -> {
      assertThat(f.parentId()).contains(info.rootFolder());
      assertThat(f.depth()).isEqualTo(1);
      assertThat(f.storeId()).isEqualTo(storeId());
      assertThat(f.rights()).isEqualTo(FolderRights.OWNER);
    });
    assertThat(inbox().storeId()).isEqualTo(storeId());
  }

  @Test
  @DisplayName("Another user sees no store without rights, and the store once granted rights")
  void storesShouldListAStoreForAnotherUserWhenGrantedRights() {
    requires(Capability.RIGHTS);
    assertThat(otherUser().stores()).extracting(s -> s.id()).doesNotContain(storeId());
    inbox().setRights(StoreFixture.OTHER_USER, FolderRights.REVIEWER);
    assertThat(otherUser().stores()).extracting(s -> s.id()).contains(storeId());
  }

  @Test
  @DisplayName("Subfolders appear in the hierarchy with their depth; deep lists the subtree")
  void hierarchyShouldListChildrenAndSubtreeWhenFoldersAreCreated() {
    Folder projects = inbox().createFolder("Projects");
    Folder alpha = projects.createFolder("Alpha");
    projects.createFolder("Beta");
    alpha.createFolder("Drafts of Alpha");
    assertThat(names(inbox().hierarchy(false))).containsExactly("Projects");
    List<FolderInfo> deep = inbox().hierarchy(true);
    assertThat(names(deep)).containsExactlyInAnyOrder("Projects", "Alpha", "Beta", "Drafts of Alpha");
    assertThat(deep).filteredOn(f -> f.displayName().equals("Drafts of Alpha")).singleElement()
        .satisfies(f -> assertThat(f.depth()).isEqualTo(3))
        .satisfies(f -> assertThat(f.parentId()).contains(alpha.id()));
    assertThat(projects.info().childCount()).isEqualTo(2);
    assertThat(inbox().subfolder("Projects").map(Folder::id)).contains(projects.id());
    assertThat(inbox().subfolder("Nope")).isEmpty();
    assertThat(owner().openFolder(alpha.id()).info().displayName()).isEqualTo("Alpha");
  }

  @Test
  @DisplayName("Creating a folder with a sibling's name fails with COLLISION naming the folder")
  void createFolderShouldFailWithCollisionWhenASiblingHasTheName() {
    inbox().createFolder("Projects");
    StoreException e = expectError(COLLISION, () -> inbox().createFolder("Projects"));
    assertThat(e.getMessage()).contains("Projects");
    assertThat(names(inbox().hierarchy(false))).containsExactly("Projects");
    drafts().createFolder("Projects");
  }

  @Test
  @DisplayName("Renaming changes the name; a sibling's name fails with COLLISION")
  void renameShouldFailWithCollisionWhenASiblingHasTheName() {
    Folder a = inbox().createFolder("A");
    inbox().createFolder("B");
    a.rename("A2");
    assertThat(a.info().displayName()).isEqualTo("A2");
    assertThat(names(inbox().hierarchy(false))).containsExactlyInAnyOrder("A2", "B");
    expectError(COLLISION, () -> a.rename("B"));
    assertThat(a.info().displayName()).isEqualTo("A2");
    expectError(COLLISION, () -> drafts().rename("Inbox"));
  }

  @Test
  @DisplayName("Moving a folder re-parents it with its contents")
  void moveToShouldReparentTheFolderWithItsContentsWhenMoved() {
    Folder projects = inbox().createFolder("Projects");
    Folder alpha = projects.createFolder("Alpha");
    MessageId id = createMessage(alpha, "in alpha");
    projects.moveTo(drafts().id());
    assertThat(names(inbox().hierarchy(false))).doesNotContain("Projects");
    assertThat(names(drafts().hierarchy(true))).contains("Projects", "Alpha");
    assertThat(projects.info().parentId()).contains(drafts().id());
    assertThat(committedSubject(id)).isEqualTo("in alpha");
  }

  @Test
  @DisplayName("Moving a folder under itself or its descendant fails with FOLDER_CYCLE")
  void moveToShouldFailWithFolderCycleWhenTargetIsInsideTheFolder() {
    Folder projects = inbox().createFolder("Projects");
    Folder alpha = projects.createFolder("Alpha");
    Folder deep = alpha.createFolder("Deep");
    expectError(FOLDER_CYCLE, () -> projects.moveTo(projects.id()));
    expectError(FOLDER_CYCLE, () -> projects.moveTo(alpha.id()));
    expectError(FOLDER_CYCLE, () -> projects.moveTo(deep.id()));
    assertThat(projects.info().parentId()).contains(inbox().id());
  }

  @Test
  @DisplayName("Moving a folder next to a sibling with its name fails with COLLISION")
  void moveToShouldFailWithCollisionWhenTargetHasAChildWithTheName() {
    Folder a = inbox().createFolder("Same");
    drafts().createFolder("Same");
    expectError(COLLISION, () -> a.moveTo(drafts().id()));
    assertThat(a.info().parentId()).contains(inbox().id());
  }

  @Test
  @DisplayName("Deleting a folder deletes its subfolders and messages")
  void deleteShouldRemoveSubfoldersAndMessagesWhenFolderIsDeleted() {
    Folder projects = inbox().createFolder("Projects");
    Folder alpha = projects.createFolder("Alpha");
    MessageId top = createMessage(projects, "top");
    MessageId deep = createMessage(alpha, "deep");
    projects.delete(DeleteMode.SOFT);
    expectError(NOT_FOUND, () -> owner().openFolder(projects.id()));
    expectError(NOT_FOUND, () -> owner().openFolder(alpha.id()));
    assertNotFound(top);
    assertNotFound(deep);
    assertThat(names(inbox().hierarchy(true))).doesNotContain("Projects", "Alpha");
    inbox().createFolder("Projects");
  }

  @Test
  @DisplayName("FolderInfo counts messages and children")
  void infoShouldCountMessagesWhenMessagesAreSavedAndDeleted() {
    Folder f = inbox().createFolder("Counted");
    assertThat(f.info().contentCount()).isZero();
    MessageId a = createMessage(f, "a");
    createMessage(f, "b");
    assertThat(f.info().contentCount()).isEqualTo(2);
    owner().deleteMessage(a);
    assertThat(f.info().contentCount()).isEqualTo(1);
    assertThat(f.info().childCount()).isZero();
  }

  @Test
  @DisplayName("Folder properties can be set and read back")
  void setPropShouldStoreAFolderPropertyWhenSet() {
    Folder f = inbox().createFolder("With comment");
    f.setProp(PropValue.of(PropTags.COMMENT, "a folder comment"));
    assertThat(owner().openFolder(f.id()).getProp(PropTags.COMMENT)).contains(PropValue.of(PropTags.COMMENT, "a folder comment"));
  }

  @Test
  @DisplayName("Opening an unknown folder fails with NOT_FOUND")
  void openFolderShouldFailWithNotFoundWhenFolderIsUnknown() {
    expectError(NOT_FOUND, () -> owner().openFolder(msgstore.api.FolderId.of(987_654_321L)));
  }

  @Test
  @DisplayName("A reviewer cannot create messages or folders")
  void createShouldFailWithNoAccessWhenUserIsReviewer() {
    requires(Capability.RIGHTS);
    inbox().setRights(StoreFixture.OTHER_USER, FolderRights.REVIEWER);
    Folder bobsInbox = otherUser().openFolder(inbox().id());
    assertThat(bobsInbox.info().rights()).isEqualTo(FolderRights.REVIEWER);
    expectError(msgstore.api.MapiError.NO_ACCESS, () -> {
      try (var m = bobsInbox.createMessage()) {
        m.set(PropTags.SUBJECT, "not allowed");
        m.saveChanges();
      }
    });
  }

  @Test
  @DisplayName("Folders and their messages survive closing and reopening the store")
  void foldersShouldSurviveAReopenWhenTheStoreIsClosed() {
    requires(Capability.REOPEN);
    Folder projects = inbox().createFolder("Projects");
    MessageId id = createMessage(projects, "durable");
    fx().reopen();
    assertThat(inbox().subfolder("Projects").map(Folder::id)).contains(projects.id());
    assertThat(committedSubject(id)).isEqualTo("durable");
  }
}
