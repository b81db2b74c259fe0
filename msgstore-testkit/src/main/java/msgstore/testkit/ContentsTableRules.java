package msgstore.testkit;

import static msgstore.api.PropTags.BODY;
import static msgstore.api.PropTags.CLIENT_SUBMIT_TIME;
import static msgstore.api.PropTags.IMPORTANCE;
import static msgstore.api.PropTags.MESSAGE_CLASS;
import static msgstore.api.PropTags.MESSAGE_DELIVERY_TIME;
import static msgstore.api.PropTags.ORIGINAL_SUBJECT;
import static msgstore.api.PropTags.SENDER_NAME;
import static msgstore.api.PropTags.SUBJECT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import msgstore.api.ContentsTable;
import msgstore.api.Folder;
import msgstore.api.Message;
import msgstore.api.MessageId;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Restriction;
import msgstore.api.Restriction.Content;
import msgstore.api.Restriction.Match;
import msgstore.api.Restriction.Relop;
import msgstore.api.SortOrder;
import msgstore.api.TableRow;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contents tables: committed live messages only, columns, sort on every standard column in both
 * directions, restrictions (property, content, exist, and, or, not) and paging. Part of {@link
 * MessageStoreContract}.
 */
public abstract class ContentsTableRules extends ContractSupport {

  private static final Instant T0 = Instant.parse("2024-03-01T10:00:00Z");

  /** Five messages in a fresh folder with distinct values in every sortable column; "echo" lacks the optional ones. */
  private Folder populated() {
    Folder f = inbox().createFolder("Table");
    add(f, "alpha", "mike", 2, "IPM.Note.b", T0.plusSeconds(40), 10, "orig alpha");
    add(f, "bravo", "lima", 0, "IPM.Note.d", T0.plusSeconds(10), 5_000, null);
    add(f, "charlie", "kilo", 1, "IPM.Note.a", T0.plusSeconds(30), 1_000, "orig charlie");
    add(f, "delta", "juliet", 2, "IPM.Note.c", T0.plusSeconds(20), 20_000, null);
    add(f, "echo", null, 1, "IPM.Note.e", null, 100, null);
    return f;
  }

  private void add(Folder f, String subject, String sender, int importance, String cls, Instant delivered, int bodyLength, String original) {
    createMessage(f, m -> {
      m.set(SUBJECT, subject);
      m.set(IMPORTANCE, importance);
      m.set(MESSAGE_CLASS, cls);
      m.set(BODY, repeat('b', bodyLength));
      if (sender != null) {
        m.set(SENDER_NAME, sender);
      }
      if (delivered != null) {
        m.set(MESSAGE_DELIVERY_TIME, delivered);
        m.set(CLIENT_SUBMIT_TIME, delivered.minusSeconds(5));
      }
      if (original != null) {
        m.set(ORIGINAL_SUBJECT, original);
      }
    });
  }

  private static List<String> subjects(List<TableRow> rows) {
    return rows.stream().map(r -> r.get(SUBJECT).map(PropValue::asString).orElse(null)).toList();
  }

  private static List<String> subjects(ContentsTable t) {
    return subjects(t.queryRows(0, 1000));
  }

  private static ContentsTable bySubject(Folder f) {
    return f.contentsTable().setColumns(List.of(SUBJECT)).sortBy(List.of(SortOrder.ascending(SUBJECT)));
  }

  @Test
  @DisplayName("R11, R14: the table holds committed, live messages only")
  void tableShouldListOnlyCommittedLiveMessagesWhenQueried() {
    Folder f = inbox().createFolder("Live");
    MessageId kept = createMessage(f, "kept");
    MessageId deleted = createMessage(f, "deleted");
    MessageId moved = createMessage(f, "moved");
    owner().deleteMessage(deleted);
    owner().moveMessage(moved, drafts().id());
    try (Message unsaved = f.createMessage(); Message pending = openRw(kept)) {
      unsaved.set(SUBJECT, "unsaved");
      pending.set(SUBJECT, "pending edit");
      ContentsTable t = bySubject(f);
      assertThat(subjects(t)).containsExactly("kept");
      assertThat(t.rowCount()).isEqualTo(1);
      assertThat(t.queryRows(0, 10)).extracting(TableRow::messageId).containsExactly(kept);
    }
  }

  @Test
  @DisplayName("Every queryRows reads the folder as currently committed")
  void queryRowsShouldSeeNewCommitsWhenCalledAgain() {
    Folder f = inbox().createFolder("Changing");
    MessageId a = createMessage(f, "a");
    ContentsTable t = bySubject(f);
    assertThat(subjects(t)).containsExactly("a");
    createMessage(f, "b");
    commitSubject(a, "a2");
    assertThat(subjects(t)).containsExactly("a2", "b");
    assertThat(t.rowCount()).isEqualTo(2);
  }

  @Test
  @DisplayName("Columns come back in the order set; absent values are null")
  void rowsShouldHoldTheColumnsInOrderWhenColumnsAreSet() {
    Folder f = populated();
    List<PropTag> cols = List.of(SENDER_NAME, SUBJECT, IMPORTANCE, ORIGINAL_SUBJECT);
    List<TableRow> rows = f.contentsTable().setColumns(cols).sortBy(List.of(SortOrder.ascending(SUBJECT))).queryRows(0, 10);
    assertThat(rows).hasSize(5);
    TableRow alpha = rows.getFirst();
    assertThat(alpha.columns()).isEqualTo(cols);
    assertThat(alpha.values()).hasSize(4);
    assertThat(alpha.values().get(0)).isEqualTo(PropValue.of(SENDER_NAME, "mike"));
    assertThat(alpha.values().get(1)).isEqualTo(PropValue.of(SUBJECT, "alpha"));
    assertThat(alpha.values().get(2)).isEqualTo(PropValue.of(IMPORTANCE, 2));
    TableRow echo = rows.getLast();
    assertThat(echo.get(SUBJECT)).contains(PropValue.of(SUBJECT, "echo"));
    assertThat(echo.values().get(0)).isNull();
    assertThat(echo.get(ORIGINAL_SUBJECT)).isEmpty();
  }

  @Test
  @DisplayName("Default columns include subject, and the default sort is delivery time descending")
  void defaultTableShouldSortByDeliveryTimeDescendingWhenNothingIsSet() {
    Folder f = populated();
    List<TableRow> rows = f.contentsTable().queryRows(0, 10);
    assertThat(rows).hasSize(5);
    assertThat(rows.getFirst().columns()).contains(SUBJECT, MESSAGE_DELIVERY_TIME, IMPORTANCE, MESSAGE_CLASS);
    assertThat(subjects(rows)).containsExactly("alpha", "charlie", "delta", "bravo", "echo");
  }

  static Stream<Arguments> sortColumns() {
    List<Arguments> out = new ArrayList<>();
    for (PropTag tag : List.of(SUBJECT, SENDER_NAME, MESSAGE_DELIVERY_TIME, CLIENT_SUBMIT_TIME, PropTags.LAST_MODIFICATION_TIME,
        PropTags.CREATION_TIME, PropTags.MESSAGE_SIZE, IMPORTANCE, MESSAGE_CLASS, PropTags.MID, ORIGINAL_SUBJECT)) {
      out.add(Arguments.of(tag.displayName(), tag, false));
      out.add(Arguments.of(tag.displayName(), tag, true));
    }
    return out.stream();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static int compareValues(Object a, Object b) {
    if (a instanceof String x && b instanceof String y) {
      return x.compareToIgnoreCase(y);
    }
    return ((Comparable) a).compareTo(b);
  }

  @ParameterizedTest(name = "{0} descending={2}")
  @MethodSource("sortColumns")
  @DisplayName("Sorting works on every standard column in both directions, rows without the value last")
  void rowsShouldBeSortedWhenSortedByAStandardColumn(String name, PropTag tag, boolean descending) {
    Folder f = populated();
    List<PropTag> columns = tag.equals(SUBJECT) ? List.of(SUBJECT) : List.of(SUBJECT, tag);
    ContentsTable t = f.contentsTable().setColumns(columns).sortBy(List.of(new SortOrder(tag, descending)));
    List<TableRow> rows = t.queryRows(0, 100);
    assertThat(rows).as(name).hasSize(5);
    List<Object> values = rows.stream().map(r -> r.get(tag).map(PropValue::rawValue).orElse(null)).toList();
    int firstNull = values.indexOf(null);
    if (firstNull >= 0) {
      assertThat(values.subList(firstNull, values.size())).as("rows without %s sort last: %s", name, values).containsOnlyNulls();
    }
    List<Object> present = values.stream().filter(Objects::nonNull).toList();
    Comparator<Object> order = ContentsTableRules::compareValues;
    assertThat(present).as("%s %s", name, descending ? "descending" : "ascending")
        .isSortedAccordingTo(descending ? order.reversed() : order);
  }

  @Test
  @DisplayName("Sorting by two standard columns orders by the first, then the second, then the id")
  void rowsShouldBeSortedByEachKeyInTurnWhenSortedByTwoColumns() {
    Folder f = populated();
    add(f, "foxtrot", "kilo", 2, "IPM.Note.f", T0.plusSeconds(50), 300, null); // ties with alpha and delta on importance
    // importance descending (2: alpha, delta, foxtrot; 1: charlie, echo; 0: bravo), then size ascending
    ContentsTable t = f.contentsTable().setColumns(List.of(SUBJECT))
        .sortBy(List.of(SortOrder.descending(IMPORTANCE), SortOrder.ascending(PropTags.MESSAGE_SIZE)));
    assertThat(subjects(t)).containsExactly("alpha", "foxtrot", "delta", "echo", "charlie", "bravo");
    // sender ascending (echo has none: last), then delivery time descending
    ContentsTable bySender = f.contentsTable().setColumns(List.of(SUBJECT))
        .sortBy(List.of(SortOrder.ascending(SENDER_NAME), SortOrder.descending(MESSAGE_DELIVERY_TIME)));
    assertThat(subjects(bySender)).containsExactly("delta", "foxtrot", "charlie", "bravo", "alpha", "echo");
    assertThat(bySender.queryRows(2, 2)).extracting(r -> r.get(SUBJECT).orElseThrow().asString())
        .containsExactly("charlie", "bravo");
  }

  @Test
  @DisplayName("Sorting by subject gives the exact order both ways")
  void rowsShouldFollowTheSubjectOrderWhenSortedBySubject() {
    Folder f = populated();
    assertThat(subjects(bySubject(f))).containsExactly("alpha", "bravo", "charlie", "delta", "echo");
    ContentsTable desc = f.contentsTable().setColumns(List.of(SUBJECT)).sortBy(List.of(SortOrder.descending(SUBJECT)));
    assertThat(subjects(desc)).containsExactly("echo", "delta", "charlie", "bravo", "alpha");
    ContentsTable bySize = f.contentsTable().setColumns(List.of(SUBJECT)).sortBy(List.of(SortOrder.descending(PropTags.MESSAGE_SIZE)));
    assertThat(subjects(bySize)).containsExactly("delta", "bravo", "charlie", "echo", "alpha");
    ContentsTable bySender = f.contentsTable().setColumns(List.of(SUBJECT)).sortBy(List.of(SortOrder.ascending(SENDER_NAME)));
    assertThat(subjects(bySender).stream().filter(x -> !x.equals("echo")).toList())
        .as("echo has no sender of its own").containsExactly("delta", "charlie", "bravo", "alpha");
  }

  @Test
  @DisplayName("Several sort keys apply major first")
  void rowsShouldFollowAllSortKeysWhenSeveralAreGiven() {
    Folder f = populated();
    ContentsTable t = f.contentsTable().setColumns(List.of(SUBJECT))
        .sortBy(List.of(SortOrder.descending(IMPORTANCE), SortOrder.ascending(SUBJECT)));
    assertThat(subjects(t)).containsExactly("alpha", "delta", "charlie", "echo", "bravo");
  }

  @Test
  @DisplayName("Property restrictions compare values")
  void restrictShouldFilterByPropertyWhenAPropertyRestrictionIsSet() {
    Folder f = populated();
    ContentsTable t = bySubject(f);
    assertThat(subjects(t.restrict(Restriction.eq(IMPORTANCE, 2)))).containsExactly("alpha", "delta");
    assertThat(t.rowCount()).isEqualTo(2);
    assertThat(subjects(t.restrict(Restriction.compare(Relop.NE, IMPORTANCE, 2)))).containsExactly("bravo", "charlie", "echo");
    assertThat(subjects(t.restrict(Restriction.compare(Relop.LT, IMPORTANCE, 1)))).containsExactly("bravo");
    assertThat(subjects(t.restrict(Restriction.compare(Relop.GE, IMPORTANCE, 1)))).containsExactly("alpha", "charlie", "delta", "echo");
    assertThat(subjects(t.restrict(Restriction.compare(Relop.GT, MESSAGE_DELIVERY_TIME, T0.plusSeconds(20)))))
        .containsExactly("alpha", "charlie");
    assertThat(subjects(t.restrict(Restriction.compare(Relop.LE, SUBJECT, "bravo")))).containsExactly("alpha", "bravo");
    assertThat(subjects(t.restrict(Restriction.eq(SENDER_NAME, "nobody")))).isEmpty();
    assertThat(t.rowCount()).isZero();
    assertThat(subjects(t.restrict(null))).hasSize(5);
  }

  @Test
  @DisplayName("A property restriction never matches a row without the property")
  void propertyRestrictionShouldNotMatchWhenThePropertyIsAbsent() {
    Folder f = populated();
    ContentsTable t = bySubject(f);
    assertThat(subjects(t.restrict(Restriction.compare(Relop.NE, ORIGINAL_SUBJECT, "x")))).containsExactly("alpha", "charlie");
  }

  @Test
  @DisplayName("Content restrictions: substring, prefix, full string, with and without case")
  void restrictShouldMatchTextWhenAContentRestrictionIsSet() {
    Folder f = populated();
    ContentsTable t = bySubject(f);
    assertThat(subjects(t.restrict(Restriction.contains(SUBJECT, "HAR")))).containsExactly("charlie");
    assertThat(subjects(t.restrict(Restriction.contains(SUBJECT, "a")))).containsExactly("alpha", "bravo", "charlie", "delta");
    assertThat(subjects(t.restrict(new Content(SUBJECT, "ch", Match.PREFIX, false)))).containsExactly("charlie");
    assertThat(subjects(t.restrict(new Content(SUBJECT, "ha", Match.PREFIX, false)))).isEmpty();
    assertThat(subjects(t.restrict(new Content(SUBJECT, "delta", Match.FULLSTRING, false)))).containsExactly("delta");
    assertThat(subjects(t.restrict(new Content(SUBJECT, "DELTA", Match.FULLSTRING, false)))).isEmpty();
    assertThat(subjects(t.restrict(new Content(SUBJECT, "DELTA", Match.FULLSTRING, true)))).containsExactly("delta");
    assertThat(subjects(t.restrict(new Content(SUBJECT, "ELT", Match.SUBSTRING, false)))).isEmpty();
  }

  @Test
  @DisplayName("Exist, and, or, not combine")
  void restrictShouldCombineTermsWhenAndOrNotAreUsed() {
    Folder f = populated();
    ContentsTable t = bySubject(f);
    assertThat(subjects(t.restrict(Restriction.exists(ORIGINAL_SUBJECT)))).containsExactly("alpha", "charlie");
    assertThat(subjects(t.restrict(Restriction.not(Restriction.exists(ORIGINAL_SUBJECT))))).containsExactly("bravo", "delta", "echo");
    assertThat(subjects(t.restrict(Restriction.and(Restriction.eq(IMPORTANCE, 2), Restriction.exists(ORIGINAL_SUBJECT)))))
        .containsExactly("alpha");
    assertThat(subjects(t.restrict(Restriction.or(Restriction.eq(IMPORTANCE, 0), Restriction.contains(SUBJECT, "echo")))))
        .containsExactly("bravo", "echo");
    assertThat(subjects(t.restrict(Restriction.not(Restriction.or(Restriction.eq(IMPORTANCE, 2), Restriction.eq(IMPORTANCE, 0))))))
        .containsExactly("charlie", "echo");
    assertThat(subjects(t.restrict(Restriction.and(
        Restriction.not(Restriction.eq(IMPORTANCE, 1)),
        Restriction.or(Restriction.contains(SUBJECT, "al"), Restriction.contains(SUBJECT, "ta"))))))
        .containsExactly("alpha", "delta");
  }

  @Test
  @DisplayName("A restriction combines with sort and paging")
  void restrictShouldCombineWithSortAndPagingWhenAllAreSet() {
    Folder f = populated();
    ContentsTable t = f.contentsTable().setColumns(List.of(SUBJECT))
        .sortBy(List.of(SortOrder.descending(SUBJECT)))
        .restrict(Restriction.compare(Relop.GE, IMPORTANCE, 1));
    assertThat(t.rowCount()).isEqualTo(4);
    assertThat(subjects(t.queryRows(1, 2))).containsExactly("delta", "charlie");
  }

  @Test
  @DisplayName("Paging returns consecutive slices in sort order")
  void queryRowsShouldReturnConsecutivePagesWhenPaging() {
    Folder f = inbox().createFolder("Paged");
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      String s = "msg " + i;
      expected.add(s);
      createMessage(f, s);
    }
    ContentsTable t = bySubject(f);
    assertThat(t.rowCount()).isEqualTo(7);
    List<String> paged = new ArrayList<>();
    paged.addAll(subjects(t.queryRows(0, 3)));
    paged.addAll(subjects(t.queryRows(3, 3)));
    List<TableRow> last = t.queryRows(6, 3);
    assertThat(last).hasSize(1);
    paged.addAll(subjects(last));
    assertThat(paged).isEqualTo(expected);
    assertThat(t.queryRows(7, 3)).isEmpty();
    assertThat(t.queryRows(100, 3)).isEmpty();
  }

  @Test
  @DisplayName("Rows name their message ids")
  void rowsShouldNameTheirMessagesWhenQueried() {
    Folder f = inbox().createFolder("Ids");
    MessageId a = createMessage(f, "a");
    MessageId b = createMessage(f, "b");
    Map<MessageId, String> bySubjectId = Map.of(a, "a", b, "b");
    for (TableRow r : bySubject(f).queryRows(0, 10)) {
      assertThat(r.get(SUBJECT).map(PropValue::asString)).contains(bySubjectId.get(r.messageId()));
    }
  }
}
