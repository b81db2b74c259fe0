package msgstore.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Command framing (RFC 9051 2.2, 4.3; LITERAL+ RFC 7888; APPENDLIMIT RFC 7889) on Netty's
 * embedded channel: what is handed on, and what is answered before it (continuations, refusals).
 */
class ImapCommandDecoderTest {
  private final ImapConfig config = ImapConfig.on(0).withAppendLimit(1000);
  private final EmbeddedChannel ch = new EmbeddedChannel(new CommandDecoder(config));

  private void in(String s) {
    ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
  }

  private List<Object> frames() {
    List<Object> out = new ArrayList<>();
    Object o;
    while ((o = ch.readInbound()) != null) {
      out.add(o);
    }
    return out;
  }

  private String written() {
    StringBuilder b = new StringBuilder();
    Object o;
    while ((o = ch.readOutbound()) != null) {
      b.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
      ((ByteBuf) o).release();
    }
    return b.toString();
  }

  @Test
  void aLineSplitAcrossReadsShouldBeOneCommand() {
    in("a1 NO");
    assertThat(frames()).isEmpty();
    in("OP\r\na2 CAPABILITY\r\n");
    List<Object> f = frames();
    assertThat(f).hasSize(2);
    assertThat(((Frame.Command) f.get(0)).lines()).containsExactly("a1 NOOP");
  }

  @Test
  void aSynchronizingLiteralShouldGetAContinuationAndItsOctetsVerbatim() {
    in("a1 LOGIN {6}\r\n");
    assertThat(written()).startsWith("+ ");
    assertThat(frames()).isEmpty();
    in("al\r\nce {3}\r\n");
    assertThat(written()).startsWith("+ ");
    in("x y\r\n");
    Frame.Command c = (Frame.Command) frames().get(0);
    assertThat(c.lines()).containsExactly("a1 LOGIN ", " ", "");
    assertThat(c.literals()).extracting(b -> new String(b, StandardCharsets.ISO_8859_1)).containsExactly("al\r\nce", "x y");
  }

  @Test
  void aNonSynchronizingLiteralShouldGetNoContinuation() {
    in("a1 LOGIN {5+}\r\nalice {6+}\r\nsecret\r\n");
    assertThat(written()).isEmpty();
    Frame.Command c = (Frame.Command) frames().get(0);
    assertThat(c.literals()).extracting(b -> new String(b, StandardCharsets.US_ASCII)).containsExactly("alice", "secret");
  }

  @Test
  void anAppendOverTheLimitShouldBeRefusedWithTooBigBeforeAnyContinuation() {
    in("a1 APPEND INBOX {1001}\r\n");
    assertThat(written()).isEmpty();
    assertThat(frames()).singleElement().isEqualTo(
        new Frame.Refused("a1 NO [TOOBIG] message of 1001 octets is over the APPENDLIMIT of 1000 octets"));
    in("a2 NOOP\r\n");
    assertThat(((Frame.Command) frames().get(0)).lines()).containsExactly("a2 NOOP");
  }

  @Test
  void aNonSynchronizingAppendOverTheLimitShouldBeReadAndDroppedThenRefused() {
    in("a1 APPEND INBOX {1001+}\r\n" + "x".repeat(600));
    assertThat(frames()).isEmpty();
    in("x".repeat(401) + "\r\na2 NOOP\r\n");
    List<Object> f = frames();
    assertThat(f.get(0)).isInstanceOf(Frame.Refused.class);
    assertThat(((Frame.Refused) f.get(0)).response()).startsWith("a1 NO [TOOBIG]");
    assertThat(((Frame.Command) f.get(1)).lines()).containsExactly("a2 NOOP");
    assertThat(written()).isEmpty();
  }

  @Test
  void anAppendWithinTheLimitShouldPassWhileAnotherCommandsLiteralHasItsOwnLimit() {
    in("a1 APPEND INBOX {1000+}\r\n" + "y".repeat(1000) + "\r\n");
    assertThat(((Frame.Command) frames().get(0)).literals().get(0)).hasSize(1000);
    in("a2 LOGIN {" + (config.maxLiteralBytes() + 1) + "}\r\n");
    assertThat(((Frame.Refused) frames().get(0)).response()).startsWith("a2 BAD literal of");
  }

  @Test
  void aLineOverTheLimitShouldBeBadAndTheNextCommandRead() {
    in("a1 NOOP " + "z".repeat(config.maxLineBytes() + 10));
    in("zzz\r\na2 NOOP\r\n");
    List<Object> f = frames();
    assertThat(((Frame.Refused) f.get(0)).response()).startsWith("a1 BAD line longer than");
    assertThat(((Frame.Command) f.get(1)).lines()).containsExactly("a2 NOOP");
  }
}
