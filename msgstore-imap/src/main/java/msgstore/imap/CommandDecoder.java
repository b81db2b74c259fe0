package msgstore.imap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits the client's bytes into commands (RFC 9051 2.2, 4.3): lines ended by CRLF, each ending in
 * {@code {n}} (synchronizing: answered {@code + Ready} once the size is known to be within the
 * limit) or {@code {n+}} (LITERAL+, RFC 7888: the bytes follow at once) followed by n octets.
 *
 * <p>Limits, each answered without dropping the connection: a line longer than {@link
 * ImapConfig#maxLineBytes} is BAD (the rest of it is skipped); a literal above the command's
 * limit (APPENDLIMIT for APPEND, RFC 7889, else {@link ImapConfig#maxLiteralBytes}) is {@code NO
 * [TOOBIG]} before any continuation for a synchronizing literal (the client then does not send
 * it), and read and discarded before the same answer for a non-synchronizing one.
 */
final class CommandDecoder extends ByteToMessageDecoder {
  private static final Pattern LITERAL = Pattern.compile("~?\\{(\\d{1,12})(\\+?)\\}$");
  private final ImapConfig config;
  private final List<String> lines = new ArrayList<>();
  private final List<byte[]> literals = new ArrayList<>();
  /** Set while the literal of the current command is being read. */
  private byte[] literal;
  private int literalFilled;
  /** Octets still to skip: a refused non-synchronizing literal, or the rest of a too-long line. */
  private long discard;
  /** True while skipping the rest of a line that was too long. */
  private boolean discardingLine;
  /** The answer to send once the refused command has been skipped whole. */
  private String refusal;
  private long commandBytes;

  CommandDecoder(ImapConfig config) {
    this.config = config;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.isReadable()) {
      if (discard > 0) {
        int n = (int) Math.min(discard, in.readableBytes());
        in.skipBytes(n);
        discard -= n;
        continue;
      }
      if (literal != null) {
        int n = Math.min(literal.length - literalFilled, in.readableBytes());
        in.readBytes(literal, literalFilled, n);
        literalFilled += n;
        if (literalFilled == literal.length) {
          literals.add(literal);
          literal = null;
        }
        continue;
      }
      int eol = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
      if (discardingLine) {
        if (eol < 0) {
          in.skipBytes(in.readableBytes());
          return;
        }
        in.readerIndex(eol + 1);
        discardingLine = false;
        endRefused(out);
        continue;
      }
      if (eol < 0) {
        if (in.readableBytes() > config.maxLineBytes()) {
          refuse(firstLineTag(in.toString(in.readerIndex(), Math.min(64, in.readableBytes()), StandardCharsets.UTF_8))
              + " BAD line longer than " + config.maxLineBytes() + " octets");
          in.skipBytes(in.readableBytes());
          discardingLine = true;
        }
        return;
      }
      int len = eol - in.readerIndex();
      if (len > config.maxLineBytes()) {
        refuse(firstLineTag(in.toString(in.readerIndex(), 64, StandardCharsets.UTF_8)) + " BAD line longer than "
            + config.maxLineBytes() + " octets");
        in.readerIndex(eol + 1);
        endRefused(out);
        continue;
      }
      String line = in.toString(in.readerIndex(), len, StandardCharsets.UTF_8);
      in.readerIndex(eol + 1);
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      commandBytes += len;
      Matcher m = LITERAL.matcher(line);
      if (!m.find()) {
        lines.add(line);
        if (refusal != null) {
          endRefused(out);
        } else {
          out.add(new Frame.Command(lines, literals));
          reset();
        }
        continue;
      }
      lines.add(line.substring(0, m.start()));
      long size = Long.parseLong(m.group(1));
      boolean nonSync = !m.group(2).isEmpty();
      long limit = isAppend() ? config.appendLimit() : config.maxLiteralBytes();
      if (refusal == null && (size > limit || commandBytes + size > limit + config.maxLineBytes() * 4L)) {
        String tag = firstLineTag(lines.get(0));
        refusal = isAppend()
            ? tag + " NO [TOOBIG] message of " + size + " octets is over the APPENDLIMIT of " + limit + " octets"
            : tag + " BAD literal of " + size + " octets is over the limit of " + limit + " octets for "
                + commandName().toUpperCase(Locale.ROOT);
      }
      if (refusal != null) {
        if (nonSync) {
          discard = size; // read and drop it, then the rest of the command
        } else {
          endRefused(out); // the client waits for "+", gets the answer, and does not send the literal
        }
        continue;
      }
      if (!nonSync) {
        ctx.writeAndFlush(Unpooled.copiedBuffer("+ Ready for " + size + " octets\r\n", StandardCharsets.US_ASCII));
      }
      literal = new byte[(int) size];
      literalFilled = 0;
      commandBytes += size;
      if (size == 0) {
        literals.add(literal);
        literal = null;
      }
    }
  }

  private void refuse(String response) {
    if (refusal == null) {
      refusal = response;
    }
  }

  private void endRefused(List<Object> out) {
    out.add(new Frame.Refused(refusal));
    reset();
  }

  private void reset() {
    lines.clear();
    literals.clear();
    refusal = null;
    commandBytes = 0;
  }

  private boolean isAppend() {
    return commandName().equalsIgnoreCase("APPEND");
  }

  private String commandName() {
    String[] p = lines.isEmpty() ? new String[0] : lines.get(0).split(" ", 3);
    return p.length >= 2 ? p[1] : "";
  }

  /** The tag of a command's first line, or {@code *} when it has none that could be echoed. */
  static String firstLineTag(String line) {
    int sp = line.indexOf(' ');
    String tag = sp > 0 ? line.substring(0, sp) : "";
    return Parser.isTag(tag) ? tag : "*";
  }
}
