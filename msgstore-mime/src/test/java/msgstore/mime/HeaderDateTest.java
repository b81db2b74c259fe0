package msgstore.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The hand-read common Date form gives exactly what mime4j's lenient parser gives, and leaves
 * everything else to it (issue 8: the lenient parser was a twentieth of an import's CPU).
 */
class HeaderDateTest {
  private static final List<String> DAYS = List.of("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "mon", "Xyz");
  private static final List<String> MONTHS = List.of("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
      "Oct", "Nov", "Dec", "nov", "DEC", "Foo");

  @Test
  void theCommonFormShouldBeReadByHand() {
    assertThat(HeaderText.canonicalDate("Tue, 14 Nov 2023 22:13:20 +0000")).isEqualTo(Instant.parse("2023-11-14T22:13:20Z"));
    assertThat(HeaderText.canonicalDate("4 Nov 2023 22:13 -0130")).isEqualTo(Instant.parse("2023-11-04T23:43:00Z"));
    assertThat(HeaderText.canonicalDate("Sat, 02 Dec 2026 09:05:01 +0100 (CET)"))
        .isEqualTo(Instant.parse("2026-12-02T08:05:01Z"));
  }

  @Test
  void whatTheLenientParserRollsOverOrNamesShouldBeLeftToIt() {
    for (String s : List.of("Tue, 30 Feb 2023 22:13:20 +0000", "Tue, 14 Nov 23 22:13:20 +0000",
        "Tue, 14 Nov 2023 22:13:60 +0000", "Tue, 14 Nov 2023 24:00:00 +0000", "Tue, 14 Nov 2023 22:13:20 GMT",
        "Tue, 14 Nov 2023 22:13:20 +2400", "Tue, 14 Nov 2023 22:13:20 +0000 (a) (b)", "14 November 2023 10:00 +0000")) {
      assertThat(HeaderText.canonicalDate(s)).as(s).isNull();
      assertThat(HeaderText.date(s)).as(s).isEqualTo(HeaderText.lenientDate(s));
    }
  }

  @Test
  void wheneverTheHandReadFormGivesADateItShouldBeTheLenientParsersDate() {
    SplittableRandom r = new SplittableRandom(20261206);
    int handRead = 0;
    for (int k = 0; k < 20_000; k++) {
      String s = generate(r);
      Instant fast = HeaderText.canonicalDate(s);
      if (fast != null) {
        handRead++;
        assertThat(HeaderText.lenientDate(s)).as(s).contains(fast);
      }
      assertThat(HeaderText.date(s)).as(s).isEqualTo(fast != null ? java.util.Optional.of(fast) : HeaderText.lenientDate(s));
    }
    assertThat(handRead).as("the common form is generated often enough to matter").isGreaterThan(500);
  }

  private static String generate(SplittableRandom r) {
    StringBuilder b = new StringBuilder();
    if (r.nextInt(4) > 0) {
      b.append(DAYS.get(r.nextInt(DAYS.size()))).append(r.nextInt(10) == 0 ? " ," : ",").append(space(r));
    }
    b.append(r.nextInt(8) == 0 ? r.nextInt(40) : (r.nextBoolean() ? String.format("%02d", 1 + r.nextInt(28)) : 1 + r.nextInt(31)));
    b.append(space(r)).append(MONTHS.get(r.nextInt(MONTHS.size()))).append(space(r));
    b.append(r.nextInt(10) == 0 ? String.valueOf(r.nextInt(100)) : String.valueOf(1890 + r.nextInt(200)));
    b.append(space(r)).append(String.format("%02d:%02d", r.nextInt(26), r.nextInt(62)));
    if (r.nextInt(5) > 0) {
      b.append(String.format(":%02d", r.nextInt(62)));
    }
    b.append(space(r));
    switch (r.nextInt(8)) {
      case 0 -> b.append("GMT");
      case 1 -> b.append("EST");
      default -> b.append(r.nextBoolean() ? '+' : '-').append(String.format("%02d%02d", r.nextInt(26), r.nextInt(62)));
    }
    switch (r.nextInt(6)) {
      case 0 -> b.append(" (UTC)");
      case 1 -> b.append("  ");
      case 2 -> b.append(" (x) y");
      default -> { }
    }
    return b.toString();
  }

  private static String space(SplittableRandom r) {
    return switch (r.nextInt(12)) {
      case 0 -> "  ";
      case 1 -> "\t";
      case 2 -> "";
      default -> " ";
    };
  }
}
