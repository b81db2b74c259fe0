package msgstore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import msgstore.api.MapiError;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;
import msgstore.api.StoreLimits;
import org.junit.jupiter.api.Test;

class RecipientTableTest {
  private static final StoreLimits LIMITS = new StoreLimits(1 << 10, 1 << 20, 3, 10, 1 << 20, 4, 64, 50);

  private static Recipient named(int rowId, String name) {
    return new Recipient(rowId, List.of(PropValue.of(PropTags.DISPLAY_NAME, name)));
  }

  private static List<String> names(RecipientTable t) {
    return t.rows().stream().map(r -> r.rowId() + ":" + Props.find(r.props(), PropTags.DISPLAY_NAME).orElseThrow()
        .asString()).toList();
  }

  @Test
  void addNumbersNewRowsAfterTheHighestIdEverGivenAndNeverReusesARemovedOne() { // R47, R48
    RecipientTable t = new RecipientTable(List.of(named(1, "a"), named(2, "b")), () -> "message 1");
    t.modify(RecipientOp.REMOVE, List.of(named(2, "")), LIMITS);
    t.modify(RecipientOp.ADD, List.of(named(0, "c")), LIMITS);
    assertThat(names(t)).containsExactly("1:a", "3:c");
  }

  @Test
  void replaceAllNumbersFromOne() { // R47
    RecipientTable t = new RecipientTable(List.of(named(4, "a"), named(9, "b")), () -> "message 1");
    t.modify(RecipientOp.REPLACE_ALL, List.of(named(0, "x"), named(0, "y")), LIMITS);
    assertThat(names(t)).containsExactly("1:x", "2:y");
  }

  @Test
  void theViewShowsEachRowsIdAsPrRowidButRowsDoNotStoreIt() {
    RecipientTable t = new RecipientTable(List.of(), () -> "message 1");
    List<Recipient> given = t.modify(RecipientOp.ADD,
        List.of(new Recipient(0, List.of(PropValue.of(PropTags.DISPLAY_NAME, "a"), PropValue.of(PropTags.ROWID, 77)))),
        LIMITS);
    assertThat(given.getFirst().props()).containsExactly(PropValue.of(PropTags.DISPLAY_NAME, "a"));
    assertThat(t.rows().getFirst().props()).containsExactly(PropValue.of(PropTags.DISPLAY_NAME, "a"));
    assertThat(t.view().getFirst().props()).contains(PropValue.of(PropTags.ROWID, 1));
  }

  @Test
  void modifyOrRemoveOfAMissingRowFailsNotFoundAndChangesNothing() {
    RecipientTable t = new RecipientTable(List.of(named(1, "a")), () -> "message 1");
    assertThatThrownBy(() -> t.modify(RecipientOp.REMOVE, List.of(named(1, ""), named(5, "")), LIMITS))
        .hasMessageEndingWith("recipient row 5 not found in message 1");
    assertThat(Errors.code(() -> t.modify(RecipientOp.MODIFY, List.of(named(2, "z")), LIMITS))).isEqualTo(MapiError.NOT_FOUND);
    assertThat(names(t)).containsExactly("1:a");
  }

  @Test
  void moreRowsThanTheLimitFailTooBigAndChangeNothing() {
    RecipientTable t = new RecipientTable(List.of(named(1, "a"), named(2, "b")), () -> "message 1");
    assertThatThrownBy(() -> t.modify(RecipientOp.ADD, List.of(named(0, "c"), named(0, "d")), LIMITS))
        .hasMessageEndingWith("message 1 would have 4 recipients, over the limit of 3");
    t.modify(RecipientOp.ADD, List.of(named(0, "c")), LIMITS);
    assertThat(names(t)).as("the failed ADD used up no row id").containsExactly("1:a", "2:b", "3:c");
  }

  @Test
  void aPreparedEditChangesTheTableOnlyWhenApplied() {
    RecipientTable t = new RecipientTable(List.of(named(1, "a")), () -> "message 1");
    RecipientTable.Edit e = t.prepare(RecipientOp.ADD, List.of(named(0, "b")), LIMITS);
    assertThat(names(t)).containsExactly("1:a");
    e.apply();
    assertThat(names(t)).containsExactly("1:a", "2:b");
  }

  @Test
  void removeAllEmptiesTheTableAndAppendContinuesTheNumbering() { // R49, R13
    RecipientTable t = new RecipientTable(List.of(named(1, "a"), named(2, "b")), () -> "message 1");
    t.removeAll();
    assertThat(t.size()).isZero();
    assertThat(t.append(named(9, "c")).rowId()).isEqualTo(3);
    t.rebase(List.of(named(5, "z")));
    assertThat(t.append(named(0, "y")).rowId()).as("after a save: numbering follows the new base").isEqualTo(6);
  }
}
