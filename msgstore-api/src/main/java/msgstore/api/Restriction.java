package msgstore.api;

import java.util.List;

/** A contents-table restriction: property compare, content match, existence, and/or/not. */
public sealed interface Restriction {
  /** Relational operators of RES_PROPERTY. */
  enum Relop {
    LT,
    LE,
    GT,
    GE,
    EQ,
    NE
  }

  /** How RES_CONTENT matches. */
  enum Match {
    FULLSTRING,
    SUBSTRING,
    PREFIX
  }

  record And(List<Restriction> terms) implements Restriction {
    public And {
      terms = List.copyOf(terms);
    }
  }

  record Or(List<Restriction> terms) implements Restriction {
    public Or {
      terms = List.copyOf(terms);
    }
  }

  record Not(Restriction term) implements Restriction {}

  /** RES_PROPERTY: the row's value of {@code value.tag()} compared to {@code value}. Absent never matches. */
  record Property(Relop op, PropValue value) implements Restriction {}

  /** RES_CONTENT on a string (or string list) property. */
  record Content(PropTag tag, String text, Match match, boolean ignoreCase) implements Restriction {}

  /** RES_EXIST. */
  record Exist(PropTag tag) implements Restriction {}

  static Restriction and(Restriction... r) {
    return new And(List.of(r));
  }

  static Restriction or(Restriction... r) {
    return new Or(List.of(r));
  }

  static Restriction not(Restriction r) {
    return new Not(r);
  }

  static Restriction compare(Relop op, PropTag tag, Object value) {
    return new Property(op, PropValue.of(tag, value));
  }

  static Restriction eq(PropTag tag, Object value) {
    return compare(Relop.EQ, tag, value);
  }

  static Restriction contains(PropTag tag, String text) {
    return new Content(tag, text, Match.SUBSTRING, true);
  }

  static Restriction exists(PropTag tag) {
    return new Exist(tag);
  }
}
