package msgstore.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import msgstore.api.FolderId;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropValue;
import msgstore.api.Restriction;
import msgstore.api.SortOrder;
import msgstore.api.TableRow;
import org.junit.jupiter.api.Test;

class RowEvaluationTest {
  /** A row as any side might hold it: its properties by tag. */
  record Row(int id, Map<PropTag, PropValue> props) {
    Optional<PropValue> get(PropTag t) {
      return Optional.ofNullable(props.get(t));
    }
  }

  private static Row row(int id, String subject, Integer importance) {
    Map<PropTag, PropValue> m = new java.util.HashMap<>();
    if (subject != null) {
      m.put(PropTags.SUBJECT, PropValue.of(PropTags.SUBJECT, subject));
    }
    if (importance != null) {
      m.put(PropTags.IMPORTANCE, PropValue.of(PropTags.IMPORTANCE, importance));
    }
    return new Row(id, m);
  }

  private static List<Integer> sorted(List<SortOrder> sort, Row... rows) {
    List<Row> l = new ArrayList<>(List.of(rows));
    l.sort(RowEvaluation.<Row>order(sort, Row::get).thenComparingInt(Row::id));
    return l.stream().map(Row::id).toList();
  }

  @Test
  void stringsSortCaseInsensitivelyAndRowsWithoutTheKeyComeLastEitherWay() {
    Row a = row(1, "banana", null);
    Row b = row(2, "Apple", null);
    Row none = row(3, null, null);
    assertThat(sorted(List.of(SortOrder.ascending(PropTags.SUBJECT)), a, none, b)).containsExactly(2, 1, 3);
    assertThat(sorted(List.of(SortOrder.descending(PropTags.SUBJECT)), a, none, b)).containsExactly(1, 2, 3);
  }

  @Test
  void laterKeysBreakTiesOfEarlierOnes() {
    Row a = row(1, "x", 2);
    Row b = row(2, "x", 0);
    Row c = row(3, "a", 1);
    assertThat(sorted(List.of(SortOrder.ascending(PropTags.SUBJECT), SortOrder.ascending(PropTags.IMPORTANCE)), a, b, c))
        .containsExactly(3, 2, 1);
  }

  @Test
  void restrictionsCombineAndCompareOnlyValuesOfTheSameType() {
    Row r = row(1, "Quarterly report", 2);
    assertThat(RowEvaluation.matches(Restriction.and(Restriction.contains(PropTags.SUBJECT, "REPORT"),
        Restriction.compare(Restriction.Relop.GE, PropTags.IMPORTANCE, 1)), r::get)).isTrue();
    assertThat(RowEvaluation.matches(Restriction.not(Restriction.exists(PropTags.BODY)), r::get)).isTrue();
    assertThat(RowEvaluation.matches(Restriction.eq(PropTags.SUBJECT, "quarterly REPORT"), r::get))
        .as("EQ on strings: the same text, case aside").isFalse();
    assertThat(RowEvaluation.matches(Restriction.or(Restriction.exists(PropTags.BODY),
        Restriction.eq(PropTags.IMPORTANCE, 2)), r::get)).isTrue();
  }

  /** The smallest side: rows from a list, evaluated with the shared rules. */
  static final class ListTable extends TableQuery {
    ListTable() {
      super(FolderId.of(9));
    }

    @Override
    public List<TableRow> queryRows(int offset, int count) {
      checkRange(offset, count);
      return List.of();
    }

    @Override
    public int rowCount() {
      return 0;
    }
  }

  @Test
  void aTableRefusesNoColumnsAndQueriesOutOfRangeNamingTheFolder() {
    ListTable t = new ListTable();
    assertThat(t.columns()).isEqualTo(TableQuery.DEFAULT_COLUMNS);
    assertThat(t.sort()).containsExactly(SortOrder.descending(PropTags.MESSAGE_DELIVERY_TIME));
    assertThatThrownBy(() -> t.setColumns(List.of())).hasMessageContaining("a contents table of")
        .hasMessageContaining("needs at least one column");
    assertThatThrownBy(() -> t.queryRows(0, TableQuery.MAX_ROWS + 1)).hasMessageContaining("count 0..10000");
    assertThatThrownBy(() -> t.queryRows(-1, 1)).hasMessageContaining("offset must be >= 0");
    t.sortBy(null).restrict(Restriction.exists(PropTags.SUBJECT));
    assertThat(t.sort()).isEmpty();
    assertThat(t.restriction()).isEqualTo(Restriction.exists(PropTags.SUBJECT));
  }
}
