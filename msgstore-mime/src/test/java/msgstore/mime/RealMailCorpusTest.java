package msgstore.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import msgstore.api.MessageId;
import msgstore.api.PropTags;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every single message of Apache Tika's mail test documents (real mail from many clients; see
 * src/test/resources/README.md) imports into a real SQLite store, exports byte-identical while
 * unchanged, and keeps every mapped property through render and re-parse.
 */
class RealMailCorpusTest {
  @TempDir static Path dir;
  static TestStore store;

  @BeforeAll
  static void open() {
    store = new TestStore(dir);
  }

  @org.junit.jupiter.api.AfterAll
  static void close() {
    store.close();
  }

  /** The single messages of the Tika mail module's test jar (the mbox files are helper B's). */
  static List<String> corpus() throws IOException {
    URL url = RealMailCorpusTest.class.getClassLoader().getResource("test-documents/testRFC822");
    assertThat(url).as("the Tika mail test jar is on the test classpath").isNotNull();
    String jar = url.getPath().substring("file:".length(), url.getPath().indexOf('!'));
    List<String> names = new ArrayList<>();
    try (JarFile f = new JarFile(java.net.URLDecoder.decode(jar, java.nio.charset.StandardCharsets.UTF_8))) {
      for (Enumeration<JarEntry> e = f.entries(); e.hasMoreElements();) {
        String n = e.nextElement().getName();
        if (n.startsWith("test-documents/") && !n.endsWith("/") && !n.endsWith(".mbox")) {
          names.add(n);
        }
      }
    }
    assertThat(names).hasSizeGreaterThanOrEqualTo(20);
    return names;
  }

  static byte[] read(String resource) throws IOException {
    try (InputStream in = RealMailCorpusTest.class.getClassLoader().getResourceAsStream(resource)) {
      return in.readAllBytes();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void realMessageImportsExportsByteIdenticalAndRoundTripsItsMappedProperties(String resource) throws IOException {
    byte[] raw = read(resource);
    MailImport.Imported imported = store.importBytes(raw);
    assertThat(imported.alreadyPresent()).isFalse();
    assertThat(imported.bytes()).isEqualTo(raw.length);
    MessageId id = imported.id();
    assertThat(store.snapshot(id).get(PropTags.MESSAGE_CLASS).orElseThrow().asString()).isEqualTo("IPM.Note");

    assertThat(store.export(id)).as("unchanged export gives the original bytes").isEqualTo(raw);
    assertThat(store.importBytes(raw).alreadyPresent()).as("same Message-ID and bytes: skipped").isTrue();

    byte[] rendered;
    try (var m = store.session.openMessage(id)) {
      var out = new java.io.ByteArrayOutputStream();
      Renderer.render(m, out);
      rendered = out.toByteArray();
    }
    MessageId again = store.importBytes(rendered).id();
    Map<String, Object> before = TestStore.mapped(store.snapshot(id));
    Map<String, Object> after = TestStore.mapped(store.snapshot(again));
    assertThat(after).as("rendered:\n%s", new String(rendered, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(before);
  }
}
