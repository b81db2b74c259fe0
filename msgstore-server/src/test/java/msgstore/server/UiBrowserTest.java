package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI in a real Chromium against a real server on a real port (issue 9, ADR 0021). One
 * browser for the class; each test its own contexts and messages. Spec rules exercised: R28 (a
 * stale save is refused: the conflict dialog), R82 KEEP_ORIGINAL, R83/R36 OVERWRITE = FORCE_SAVE,
 * R84 SAVE_ELSEWHERE, R88/R89 merge, X1/X2 history and restore of an overwritten version.
 */
class UiBrowserTest {
  @TempDir
  static Path dir;
  static TestServer t;
  static UiBrowser ui;
  static String base;
  static String store;
  static String inbox;
  static final AtomicInteger SEQ = new AtomicInteger();

  @BeforeAll
  static void start() {
    t = TestServer.start(dir.resolve("server"));
    base = t.server.baseUri().toString();
    store = t.mailbox("alice");
    inbox = t.folder("alice", store, "Inbox");
    ui = new UiBrowser();
  }

  @AfterAll
  static void stop() {
    if (ui != null) {
      ui.close();
    }
    t.close();
  }

  static String unique(String s) {
    return s + " " + SEQ.incrementAndGet();
  }

  /** Creates a message in alice's Inbox through the API; returns its id. */
  static String create(String subject, String body) {
    ObjectNode m = TestServer.F.objectNode();
    m.putObject("properties").put("PidTagSubject", subject).put("PidTagBody", body);
    TestServer.Resp r = t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", m);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().get("messageId").asText();
  }

  static JsonNode message(String id) {
    TestServer.Resp r = t.get("alice", "/stores/" + store + "/messages/" + id);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  static JsonNode versions(String id) {
    return t.get("alice", "/stores/" + store + "/messages/" + id + "/versions").json();
  }

  static String prop(JsonNode m, String name) {
    return m.path("properties").path(name).path("value").asText(null);
  }

  static Locator button(Page page, String name) {
    return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name).setExact(true));
  }

  static Locator conflictDialog(Page page) {
    return page.getByRole(AriaRole.DIALOG, new Page.GetByRoleOptions().setName("changed by someone else"));
  }

  /**
   * Two browsers (alice twice) open the same message and edit it; the first saves; the second's
   * save is stale (R28) and shows the conflict dialog. Returns the second page with the dialog open.
   */
  static Page[] raceToConflict(String subject, String firstSubject, String secondSubject, String secondBody,
      BrowserContext first, BrowserContext second) {
    Page a = UiBrowser.signIn(first, base, "alice");
    Page b = UiBrowser.signIn(second, base, "alice");
    UiBrowser.open(a, subject);
    UiBrowser.open(b, subject);
    button(a, "Edit").click();
    button(b, "Edit").click();
    a.getByLabel("Subject", new Page.GetByLabelOptions().setExact(true)).fill(firstSubject);
    b.getByLabel("Subject", new Page.GetByLabelOptions().setExact(true)).fill(secondSubject);
    if (secondBody != null) {
      b.getByLabel("Body", new Page.GetByLabelOptions().setExact(true)).fill(secondBody);
    }
    button(a, "Save").click();
    a.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(firstSubject).setLevel(2)).waitFor();
    button(b, "Save").click();
    PlaywrightAssertions.assertThat(conflictDialog(b)).isVisible();
    return new Page[] {a, b};
  }

  @Test
  void keepOriginalDropsMyEditsAndShowsTheCurrentVersionAndCancelLosesNothing() {
    String subject = unique("Keep");
    String id = create(subject, "original body");
    try (BrowserContext c1 = ui.context(1280, 800); BrowserContext c2 = ui.context(1280, 800)) {
      Page[] p = raceToConflict(subject, subject + " by A", subject + " by B", "B's body", c1, c2);
      Page b = p[1];
      // Cancel returns to the editor with everything typed still there.
      button(b, "Cancel").click();
      PlaywrightAssertions.assertThat(conflictDialog(b)).isHidden();
      PlaywrightAssertions.assertThat(b.getByLabel("Subject", new Page.GetByLabelOptions().setExact(true)))
          .hasValue(subject + " by B");
      PlaywrightAssertions.assertThat(b.getByLabel("Body", new Page.GetByLabelOptions().setExact(true))).hasValue("B's body");
      button(b, "Save").click();
      PlaywrightAssertions.assertThat(conflictDialog(b)).isVisible();
      // The dialog shows what each side changed, property by property.
      Locator dialog = conflictDialog(b);
      PlaywrightAssertions.assertThat(dialog.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions()
          .setHasText("PidTagSubject"))).containsText("Both");
      PlaywrightAssertions.assertThat(dialog.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions()
          .setHasText("PidTagBody"))).containsText("You");
      button(b, "Keep original").click();
      PlaywrightAssertions.assertThat(conflictDialog(b)).isHidden();
      b.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject + " by A").setLevel(2)).waitFor();
    }
    JsonNode m = message(id);
    assertThat(prop(m, "PidTagSubject")).isEqualTo(subject + " by A");
    assertThat(prop(m, "PidTagBody")).isEqualTo("original body");
    assertThat(versions(id)).hasSize(2); // the create and A's save; nothing of B's (R82)
  }

  @Test
  void overwriteForceSavesMyWholeViewAndHistoryRestoresTheOverwrittenVersion() throws Exception {
    String subject = unique("Overwrite");
    String id = create(subject, "original body");
    try (BrowserContext c1 = ui.context(1280, 800); BrowserContext c2 = ui.context(1280, 800)) {
      Page[] p = raceToConflict(subject, subject + " by A", subject + " by B", "B's body", c1, c2);
      Page b = p[1];
      button(b, "Overwrite").click();
      PlaywrightAssertions.assertThat(conflictDialog(b)).isHidden();
      // A forced overwrite says which version it replaced (X2).
      PlaywrightAssertions.assertThat(b.locator(".reading p.status")).containsText("replaced version");
      JsonNode m = message(id);
      assertThat(prop(m, "PidTagSubject")).isEqualTo(subject + " by B");
      assertThat(prop(m, "PidTagBody")).isEqualTo("B's body");
      JsonNode vs = versions(id);
      assertThat(vs).hasSize(3);
      long aVersion = vs.get(1).get("changeNumber").asLong();
      // History: A's overwritten version is still there and one click restores it (X1).
      b.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject + " by B").setLevel(2)).waitFor();
      button(b, "History").click();
      button(b, "Restore version " + aVersion).click();
      b.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject + " by A").setLevel(2)).waitFor();
    }
    JsonNode m = message(id);
    assertThat(prop(m, "PidTagSubject")).isEqualTo(subject + " by A");
    assertThat(prop(m, "PidTagBody")).isEqualTo("original body");
    assertThat(versions(id)).hasSize(4);
  }

  @Test
  void saveAsCopyPutsMyVersionIntoTheFolderIPickAndLeavesTheOriginal() {
    String subject = unique("Copy");
    String id = create(subject, "original body");
    String drafts = t.folder("alice", store, "Drafts");
    try (BrowserContext c1 = ui.context(1280, 800); BrowserContext c2 = ui.context(1280, 800)) {
      Page[] p = raceToConflict(subject, subject + " by A", subject + " by B", "B's body", c1, c2);
      Page b = p[1];
      b.getByLabel("Folder for the copy").selectOption(drafts);
      button(b, "Save as copy").click();
      PlaywrightAssertions.assertThat(conflictDialog(b)).isHidden();
      PlaywrightAssertions.assertThat(b.locator(".reading p.status")).containsText("copy in Drafts");
    }
    JsonNode m = message(id);
    assertThat(prop(m, "PidTagSubject")).isEqualTo(subject + " by A");
    assertThat(prop(m, "PidTagBody")).isEqualTo("original body");
    assertThat(versions(id)).hasSize(2);
    JsonNode rows = t.get("alice", "/stores/" + store + "/folders/" + drafts
        + "/messages?columns=PidTagSubject,PidTagBody&limit=1000").json().get("rows");
    List<String> copies = new ArrayList<>();
    for (JsonNode r : rows) {
      if ((subject + " by B").equals(prop(r, "PidTagSubject"))) {
        copies.add(r.get("id").asText());
      }
    }
    assertThat(copies).hasSize(1);
    assertThat(prop(message(copies.get(0)), "PidTagBody")).isEqualTo("B's body");
  }

  @Test
  void mergeKeepsEachSidesOwnChangesAndTheChoiceMadeForTheConflictingProperty() {
    String subject = unique("Merge");
    String id = create(subject, "original body");
    try (BrowserContext c1 = ui.context(1280, 800); BrowserContext c2 = ui.context(1280, 800)) {
      Page[] p = raceToConflict(subject, subject + " by A", subject + " by B", "B's body", c1, c2);
      Page b = p[1];
      Locator dialog = conflictDialog(b);
      dialog.getByRole(AriaRole.GROUP, new Locator.GetByRoleOptions().setName("Keep for PidTagSubject"))
          .getByLabel("Theirs").check();
      button(b, "Merge").click();
      PlaywrightAssertions.assertThat(conflictDialog(b)).isHidden();
    }
    JsonNode m = message(id);
    assertThat(prop(m, "PidTagSubject")).as("the conflicting property: theirs, as chosen").isEqualTo(subject + " by A");
    assertThat(prop(m, "PidTagBody")).as("changed only by me: mine").isEqualTo("B's body");
    assertThat(versions(id)).hasSize(3);
  }

  @Test
  void aSaveThroughTheApiAppearsInTheOpenBrowserWithinASecondAndAnEditorIsTold() {
    String subject = unique("Live");
    String id = create(subject, "live body");
    try (BrowserContext c = ui.context(1280, 800)) {
      Page page = UiBrowser.signIn(c, base, "alice");
      UiBrowser.open(page, subject);
      String etag = t.get("alice", "/stores/" + store + "/messages/" + id).etag();
      TestServer.Resp r = t.patch("alice", "/stores/" + store + "/messages/" + id,
          TestServer.props("PidTagSubject", subject + " changed"), etag);
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      PlaywrightAssertions.assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions()
          .setName(subject + " changed").setLevel(2))).isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(1000));
      PlaywrightAssertions.assertThat(button(page, subject + " changed"))
          .isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(1000));

      // An editor whose message changes underneath says so at once, and keeps what was typed.
      button(page, "Edit").click();
      page.getByLabel("Body", new Page.GetByLabelOptions().setExact(true)).fill("typed in the browser");
      etag = t.get("alice", "/stores/" + store + "/messages/" + id).etag();
      t.patch("alice", "/stores/" + store + "/messages/" + id, TestServer.props("PidTagSubject", subject + " again"), etag);
      PlaywrightAssertions.assertThat(page.getByText("changed by alice")).isVisible(
          new LocatorAssertions.IsVisibleOptions().setTimeout(2000));
      PlaywrightAssertions.assertThat(page.getByLabel("Body", new Page.GetByLabelOptions().setExact(true)))
          .hasValue("typed in the browser");
    }
  }

  @Test
  void anHtmlBodyRunsNoScriptAndLoadsNothingRemoteUnlessAsked() throws Exception {
    List<String> hits = Collections.synchronizedList(new ArrayList<>());
    HttpServer listener = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    listener.createContext("/", ex -> {
      hits.add(ex.getRequestURI().getPath());
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    listener.start();
    try {
      String l = "http://127.0.0.1:" + listener.getAddress().getPort();
      String subject = unique("Html");
      String html = "<p>Hello from HTML</p><script>fetch('" + l + "/script')</script>"
          + "<img src=\"x\" onerror=\"fetch('" + l + "/onerror')\">"
          + "<a href=\"javascript:fetch('" + l + "/javascript')\">click me</a>"
          + "<svg onload=\"fetch('" + l + "/svg')\"></svg>"
          + "<iframe src=\"" + l + "/iframe\"></iframe>"
          + "<img src=\"" + l + "/remote.png\" alt=\"remote image\">";
      ObjectNode m = TestServer.F.objectNode();
      m.putObject("properties").put("PidTagSubject", subject).put("PidTagBody", "text part").put("PidTagBodyHtml", html);
      assertThat(t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", m).status()).isEqualTo(201);
      try (BrowserContext c = ui.context(1280, 800)) {
        Page page = UiBrowser.signIn(c, base, "alice");
        UiBrowser.open(page, subject);
        var frame = page.frameLocator("iframe[title='Message body']");
        PlaywrightAssertions.assertThat(frame.getByText("Hello from HTML")).isVisible();
        frame.getByText("click me").click();
        assertThat(frame.locator("script").count()).isZero();
        assertThat(frame.locator("[onerror]").count()).isZero();
        assertThat(frame.locator("a[href^='javascript']").count()).isZero();
        // The person asks for remote images: only now does the listener hear from the frame.
        button(page, "Show remote images").click();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!hits.contains("/remote.png") && System.nanoTime() < deadline) {
          page.waitForTimeout(20); // awaiting the listener's condition (the browser's own event loop runs meanwhile)
        }
        assertThat(hits).as("requests the listener got").containsExactly("/remote.png");
      }
    } finally {
      listener.stop(0);
    }
  }

  @Test
  void aCrossOriginFormPostWithTheSessionCookieIsRefused() throws Exception {
    String target = base + "/api/v1/stores/" + store + "/folders";
    String page = "<!doctype html><form id=f method=POST action=\"" + target + "\" enctype=\"text/plain\">"
        + "<input name='{\"displayName\":\"evil\",\"x\":\"' value='\"}'></form>"
        + "<script>document.getElementById('f').submit()</script>";
    HttpServer evil = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    evil.createContext("/", ex -> {
      byte[] b = page.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "text/html");
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    evil.start();
    try (BrowserContext c = ui.context(1280, 800)) {
      Page p = UiBrowser.signIn(c, base, "alice");
      String other = "http://127.0.0.1:" + evil.getAddress().getPort() + "/";
      Response r = p.waitForResponse(res -> res.url().equals(target) && res.request().method().equals("POST"), () -> p.navigate(other));
      // 403, not 401: the cookie went along (same site, another port), and the origin check refused it.
      assertThat(r.status()).isEqualTo(403);
      assertThat(r.text()).contains("own origin");
    } finally {
      evil.stop(0);
    }
    assertThat(t.get("alice", "/stores/" + store + "/folders").body()).doesNotContain("evil");
  }

  @Test
  void signInMailAndConflictViewsHaveNoSeriousAccessibilityViolationsAndScreenshotsAreTaken() throws Exception {
    Path shots = Path.of(System.getProperty("msgstore.screenshots", "target/screenshots"));
    Files.createDirectories(shots);
    String subject = unique("Quarterly plan");
    create(subject, "Numbers for the quarter.\nSee you on Monday.");
    try (BrowserContext c1 = ui.context(1280, 800); BrowserContext c2 = ui.context(1280, 800)) {
      Page signIn = c2.newPage();
      signIn.navigate(base + "/");
      signIn.getByLabel("User name").waitFor();
      assertThat(UiBrowser.seriousAxeViolations(signIn)).as("sign-in view").isEmpty();
      signIn.close();

      Page[] p = raceToConflict(subject, subject + " (A)", subject + " (B)", "My numbers differ.", c1, c2);
      Page b = p[1];
      assertThat(UiBrowser.seriousAxeViolations(b)).as("conflict view").isEmpty();
      b.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("conflict-1280x800.png")));
      b.setViewportSize(390, 844);
      b.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("conflict-390x844.png")));
      b.setViewportSize(1280, 800);
      button(b, "Keep original").click();
      PlaywrightAssertions.assertThat(conflictDialog(b)).isHidden();
      b.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject + " (A)").setLevel(2)).waitFor();
      assertThat(UiBrowser.seriousAxeViolations(b)).as("mail view").isEmpty();
      b.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("mail-1280x800.png")));
      b.setViewportSize(390, 844);
      b.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("mail-390x844.png")));
    }
  }
}
