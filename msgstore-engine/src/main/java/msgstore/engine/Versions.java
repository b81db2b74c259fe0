package msgstore.engine;

import static msgstore.api.PropTags.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import msgstore.api.ChangeNumber;
import msgstore.api.MapiError;
import msgstore.api.PredecessorChangeList;
import msgstore.api.PropValue;
import msgstore.api.StoreException;
import msgstore.api.StoreId;
import msgstore.engine.spi.NewVersion;
import msgstore.engine.spi.VersionFactory;

/**
 * Builds the {@link VersionFactory} of a commit. Everything that does not depend on the change
 * number is encoded before the commit, on the caller's thread; the factory, which runs inside the
 * storage transaction, adds the commit properties and copies bytes.
 */
final class Versions {
  private Versions() {}

  /** Receives the content a factory committed, so the saving handle can adopt it without decoding. */
  static final class Built {
    private volatile List<PropValue> kept;
    private volatile List<PropValue> computed;
    private volatile Content view;
    volatile Instant commitTime;
    /** The length of the committed version's encoding. */
    volatile int encodedBytes;

    /** The committed content; assembled on the caller's thread, after the commit. */
    Content content() {
      List<PropValue> all = new ArrayList<>(kept);
      all.addAll(computed);
      return new Content(Content.sorted(all), view.recipients(), view.attachments());
    }
  }

  static VersionFactory factory(StoreId store, String actor, Content view, Instant creationTime,
      PredecessorChangeList basePcl, int maxMessageBytes, Built out) {
    ContentCodec.Prepared prepared = ContentCodec.prepare(view, Computed.NOT_PREPARED);
    if (prepared.size() > maxMessageBytes) {
      throw new StoreException(MapiError.TOO_BIG, "message content is " + prepared.size()
          + " bytes encoded, over the limit of " + maxMessageBytes + " bytes");
    }
    List<PropValue> kept = new ArrayList<>(view.props().size());
    for (PropValue p : view.props()) {
      if (!Computed.NOT_PREPARED.contains(p.tag())) {
        kept.add(p);
      }
    }
    List<String> blobs = new ArrayList<>();
    view.collectBlobs(blobs);
    int initialRead = view.get(MESSAGE_FLAGS).map(PropValue::asInt).orElse(0) & MSGFLAG_READ;
    Computed.CommitBase base = Computed.commitBase(view, prepared.size(), creationTime);
    ViewColumns viewColumns = ViewColumns.of(view);
    return ctx -> {
      List<PropValue> computed = Computed.commitProps(base, store, ChangeNumber.of(ctx.cn()), ctx.commitTime(), actor,
          basePcl);
      byte[] bytes = prepared.finish(computed);
      if (out != null) {
        out.kept = kept;
        out.computed = computed;
        out.view = view;
        out.commitTime = ctx.commitTime();
        out.encodedBytes = bytes.length;
      }
      return new NewVersion(bytes, viewColumns.with(Computed.modificationTime(base, ctx.commitTime()), base), blobs,
          initialRead);
    };
  }

  /** A factory that rewrites the source content of a move or copy with the new change number. */
  static VersionFactory moved(StoreId store, String actor, int maxMessageBytes) {
    return ctx -> {
      Content source = ContentCodec.decode(ctx.current().content());
      PredecessorChangeList pcl = pcl(source);
      Instant created = source.get(CREATION_TIME).map(PropValue::asInstant).orElse(ctx.commitTime());
      return factory(store, actor, source, created, pcl, maxMessageBytes, null).build(ctx);
    };
  }

  static PredecessorChangeList pcl(Content c) {
    return c.get(PREDECESSOR_CHANGE_LIST).map(p -> PredecessorChangeList.fromBytes(p.asBytes()))
        .orElse(PredecessorChangeList.EMPTY);
  }

  /** The indexed columns that come from the view; the commit adds its time, size and attachment flag. */
  private record ViewColumns(String subject, String senderName, Instant deliveryTime, Integer importance,
      String messageClass) {
    static ViewColumns of(Content c) {
      return new ViewColumns(
          c.get(SUBJECT).map(PropValue::asString).orElse(null),
          c.get(SENDER_NAME).map(PropValue::asString).orElse(null),
          c.get(MESSAGE_DELIVERY_TIME).map(PropValue::asInstant).orElse(null),
          c.get(IMPORTANCE).map(PropValue::asInt).orElse(null),
          c.get(MESSAGE_CLASS).map(PropValue::asString).orElse(null));
    }

    NewVersion.Columns with(Instant modified, Computed.CommitBase base) {
      return new NewVersion.Columns(subject, senderName, deliveryTime, modified, base.size(), importance, messageClass,
          base.hasAttachments());
    }
  }
}
