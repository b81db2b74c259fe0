package msgstore.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import msgstore.api.Message;
import msgstore.api.PropProblem;
import msgstore.api.PropTag;
import msgstore.api.PropTags;
import msgstore.api.PropType;
import msgstore.api.PropValue;
import msgstore.api.Recipient;
import msgstore.api.RecipientOp;

/**
 * The "typical message" of the benchmarks: 20 client properties (plus the ones every commit
 * computes), 2 recipients, about 2 KB encoded. Everything is deterministic in the sequence number,
 * so a store built twice has the same content.
 */
public final class TypicalMessage {
  /**
   * The property every benchmark save changes: a provider-defined PT_I8 that counts the saves of a
   * message. The hot-message benchmark also uses it to detect lost updates.
   */
  public static final PropTag COUNTER = PropTag.of(0x7C10, PropType.I8);

  /** Delivery time of message 0; message {@code i} is delivered {@code i} seconds later. */
  static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

  private static final String BODY_LINE =
      "Hi team, the quarterly numbers are attached below; please review them before Thursday. ";
  private static final String BODY;
  private static final String HEADERS;

  static {
    StringBuilder b = new StringBuilder();
    while (b.length() < 1000) {
      b.append(BODY_LINE);
    }
    BODY = b.toString();
    HEADERS = """
        Received: from mx1.example.com (mx1.example.com [192.0.2.10]) by mail.example.org with ESMTPS id 4Xb7
        Return-Path: <alice@example.com>
        DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1; h=from:to:subject:date
        Content-Type: text/plain; charset=utf-8
        MIME-Version: 1.0
        """;
  }

  private TypicalMessage() {}

  /** The 20 client-set properties of message {@code seq}. */
  public static List<PropValue> props(long seq) {
    Instant delivered = EPOCH.plus(Duration.ofSeconds(seq));
    String subject = "Quarterly review, part " + seq;
    List<PropValue> p = new ArrayList<>(20);
    p.add(PropValue.of(PropTags.MESSAGE_CLASS, "IPM.Note"));
    p.add(PropValue.of(PropTags.SUBJECT, subject));
    p.add(PropValue.of(PropTags.CONVERSATION_TOPIC, subject));
    p.add(PropValue.of(PropTags.BODY, BODY));
    p.add(PropValue.of(PropTags.TRANSPORT_MESSAGE_HEADERS, HEADERS));
    p.add(PropValue.of(PropTags.IMPORTANCE, 1));
    p.add(PropValue.of(PropTags.PRIORITY, 0));
    p.add(PropValue.of(PropTags.SENSITIVITY, 0));
    p.add(PropValue.of(PropTags.MESSAGE_DELIVERY_TIME, delivered));
    p.add(PropValue.of(PropTags.CLIENT_SUBMIT_TIME, delivered.minusSeconds(3)));
    p.add(PropValue.of(PropTags.SENDER_NAME, "Alice Example"));
    p.add(PropValue.of(PropTags.SENDER_EMAIL_ADDRESS, "alice@example.com"));
    p.add(PropValue.of(PropTags.SENT_REPRESENTING_NAME, "Alice Example"));
    p.add(PropValue.of(PropTags.SENT_REPRESENTING_EMAIL_ADDRESS, "alice@example.com"));
    p.add(PropValue.of(PropTags.RECEIVED_BY_NAME, "Bob Example"));
    p.add(PropValue.of(PropTags.INTERNET_MESSAGE_ID, "<" + seq + ".bench@example.com>"));
    p.add(PropValue.of(PropTags.INTERNET_CODEPAGE, 65001));
    p.add(PropValue.of(PropTags.MESSAGE_LOCALE_ID, 1033));
    p.add(PropValue.of(PropTags.FLAG_STATUS, 0));
    p.add(PropValue.of(COUNTER, 0L));
    return p;
  }

  /** The 2 recipients (To and Cc). */
  public static List<Recipient> recipients() {
    return List.of(
        Recipient.of(PropTags.MAPI_TO, "Bob Example", "bob@example.com"),
        Recipient.of(PropTags.MAPI_CC, "Carol Example", "carol@example.com"));
  }

  /** The encoded size of a saved typical message (its first version's size), measured in a throwaway store. */
  public static long encodedSize() {
    try (StoreFixture fx = StoreFixture.empty("size")) {
      Message m = fx.folders.get(0).createMessage();
      fill(m, 0);
      msgstore.api.MessageId id = m.saveChanges().messageId();
      return fx.session.versions(id).get(0).size();
    }
  }

  /** Fills a new message handle with message {@code seq}; fails if the store refuses any property. */
  public static void fill(Message m, long seq) {
    List<PropProblem> problems = m.setProps(props(seq));
    if (!problems.isEmpty()) {
      throw new IllegalStateException("the store refused properties of the typical message: " + problems);
    }
    m.modifyRecipients(RecipientOp.ADD, recipients());
  }
}
