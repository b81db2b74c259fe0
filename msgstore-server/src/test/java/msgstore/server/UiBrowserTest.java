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
import java.time.Instant;
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
      // Escape cancels too.
      b.keyboard().press("Escape");
      PlaywrightAssertions.assertThat(conflictDialog(b)).isHidden();
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
      Locator history = b.getByRole(AriaRole.REGION, new Page.GetByRoleOptions().setName("History"));
      PlaywrightAssertions.assertThat(history).containsText("FORCED: replaced version " + aVersion);
      PlaywrightAssertions.assertThat(history.getByRole(AriaRole.ROW).nth(1)).containsText("Subject, Body");
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
    // carol's mailbox, with mail that looks like mail (sender, delivery time, unread, attachment).
    String carol = t.mailbox("carol");
    String carolInbox = t.folder("carol", carol, "Inbox");
    String[][] mail = {
        {"Dana Whitfield", "Team lunch on Friday", "Pizza or sushi? Reply by Thursday."},
        {"Build server", "Nightly build passed", "All 1,074 tests passed."},
        {"Priya Raman", "Contract draft v3", "The redlines are attached."},
        {"Tom Becker", "Re: Office move", "Boxes arrive Monday morning."},
        {"Dana Whitfield", "Quarterly plan", "Numbers for the quarter.\nSee you on Monday."}};
    Instant at = Instant.parse("2026-12-04T09:15:00Z");
    for (int i = 0; i < mail.length; i++) {
      ObjectNode m = TestServer.F.objectNode();
      m.putObject("properties").put("PidTagSenderName", mail[i][0]).put("PidTagSubject", mail[i][1])
          .put("PidTagBody", mail[i][2]).put("PidTagMessageDeliveryTime", at.plusSeconds(i * 5400L).toString());
      if (i == 2) {
        ObjectNode a = m.putArray("attachments").addObject();
        a.putObject("properties").put("PidTagAttachMethod", 1).put("PidTagAttachLongFilename", "contract-v3.pdf");
        a.put("contentBase64", java.util.Base64.getEncoder().encodeToString("%PDF-1.4".getBytes(StandardCharsets.US_ASCII)));
      }
      TestServer.Resp r = t.post("carol", "/stores/" + carol + "/folders/" + carolInbox + "/messages", m);
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      if (i < 2) {
        t.send("carol", "PUT", "/stores/" + carol + "/messages/" + r.json().get("messageId").asText() + "/read",
            TestServer.F.objectNode().put("read", true), java.util.Map.of());
      }
    }
    String subject = "Quarterly plan";
    try (BrowserContext c1 = ui.context(1280, 800); BrowserContext c2 = ui.context(1280, 800)) {
      Page signIn = c2.newPage();
      signIn.navigate(base + "/");
      signIn.getByLabel("User name").waitFor();
      assertThat(UiBrowser.seriousAxeViolations(signIn)).as("sign-in view").isEmpty();
      signIn.close();

      Page a = UiBrowser.signIn(c1, base, "carol");
      Page b = UiBrowser.signIn(c2, base, "carol");
      UiBrowser.open(a, subject);
      UiBrowser.open(b, subject);
      assertThat(UiBrowser.seriousAxeViolations(b)).as("mail view").isEmpty();
      b.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("mail-1280x800.png")));
      b.setViewportSize(390, 844);
      b.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("mail-390x844.png")));
      b.setViewportSize(1280, 800);
      button(a, "Edit").click();
      button(b, "Edit").click();
      a.getByLabel("Subject", new Page.GetByLabelOptions().setExact(true)).fill("Quarterly plan (final)");
      b.getByLabel("Subject", new Page.GetByLabelOptions().setExact(true)).fill("Quarterly plan, revised");
      b.getByLabel("Body", new Page.GetByLabelOptions().setExact(true)).fill("My numbers differ: see the new forecast.");
      button(a, "Save").click();
      a.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Quarterly plan (final)").setLevel(2)).waitFor();
      button(b, "Save").click();
      PlaywrightAssertions.assertThat(conflictDialog(b)).isVisible();
      assertThat(UiBrowser.seriousAxeViolations(b)).as("conflict view").isEmpty();
      b.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("conflict-1280x800.png")));
      b.setViewportSize(390, 844);
      b.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("conflict-390x844.png")));
      b.setViewportSize(1280, 800);
      button(b, "Keep original").click();
      PlaywrightAssertions.assertThat(conflictDialog(b)).isHidden();
    }
  }

  @Test
  void deleteOffersUndoAndUndoBringsTheMessageBack() {
    String subject = unique("Delete me");
    String id = create(subject, "soon gone");
    try (BrowserContext c = ui.context(1280, 800)) {
      Page page = UiBrowser.signIn(c, base, "alice");
      UiBrowser.open(page, subject);
      button(page, "Delete").click();
      PlaywrightAssertions.assertThat(page.locator(".reading p.status")).containsText("Message deleted.");
      PlaywrightAssertions.assertThat(button(page, subject)).isHidden();
      assertThat(t.get("alice", "/stores/" + store + "/messages/" + id).status()).isEqualTo(404);
      button(page, "Undo").click();
      page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject).setLevel(2)).waitFor();
    }
    assertThat(prop(message(id), "PidTagSubject")).isEqualTo(subject);
  }

  @Test
  void thePropertiesViewShowsCanonicalNamesWithTypesAndSetsAnyProperty() {
    String subject = unique("Props");
    String id = create(subject, "props body");
    try (BrowserContext c = ui.context(1280, 800)) {
      Page page = UiBrowser.signIn(c, base, "alice");
      UiBrowser.open(page, subject);
      button(page, "Properties").click();
      Locator row = page.getByRole(AriaRole.ROW).filter(new Locator.FilterOptions().setHasText("PidTagSubject"));
      PlaywrightAssertions.assertThat(row.first()).containsText("0x0037001F");
      PlaywrightAssertions.assertThat(row.first()).containsText("UNICODE");
      page.getByLabel("Property name").fill("PidTagImportance");
      page.getByLabel("Value (JSON; empty deletes)").fill("2");
      button(page, "Set property").click();
      PlaywrightAssertions.assertThat(page.locator(".reading p.status")).containsText("Property saved.");
    }
    assertThat(message(id).path("properties").path("PidTagImportance").path("value").asInt()).isEqualTo(2);
  }

  @Test
  void aNewMessageWithRecipientsAndAnAttachmentIsSavedAndTheAttachmentDownloadsAndCanBeRemoved() throws Exception {
    String subject = unique("Written in the browser");
    String id;
    try (BrowserContext c = ui.context(1280, 800)) {
      Page page = UiBrowser.signIn(c, base, "alice");
      button(page, "New message").click();
      page.getByLabel("To", new Page.GetByLabelOptions().setExact(true)).fill("bob@example.org, carol@example.org");
      page.getByLabel("Bcc", new Page.GetByLabelOptions().setExact(true)).fill("dave@example.org");
      page.getByLabel("Subject", new Page.GetByLabelOptions().setExact(true)).fill(subject);
      page.getByLabel("Body", new Page.GetByLabelOptions().setExact(true)).fill("Hello from the editor");
      page.getByLabel("Add attachment").setInputFiles(new com.microsoft.playwright.options.FilePayload("notes.txt",
          "text/plain", "attached bytes".getBytes(StandardCharsets.UTF_8)));
      PlaywrightAssertions.assertThat(button(page, "Remove notes.txt")).isVisible();
      button(page, "Save").click();
      page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject).setLevel(2)).waitFor();
      com.microsoft.playwright.Download d = page.waitForDownload(() ->
          page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Download notes.txt")).click());
      assertThat(Files.readString(d.path())).isEqualTo("attached bytes");
      id = page.locator("tr.selected").getAttribute("data-id");
      JsonNode m = message(id);
      assertThat(m.get("recipients")).hasSize(3);
      List<Integer> types = new ArrayList<>();
      m.get("recipients").forEach(r -> types.add(r.path("properties").path("PidTagRecipientType").path("value").asInt()));
      assertThat(types).containsExactlyInAnyOrder(1, 1, 3);
      assertThat(m.get("attachments")).hasSize(1);
      assertThat(prop(m, "PidTagBody")).isEqualTo("Hello from the editor");

      button(page, "Edit").click();
      button(page, "Remove notes.txt").click();
      button(page, "Save").click();
      PlaywrightAssertions.assertThat(page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions()
          .setName("Download notes.txt"))).isHidden();
    }
    assertThat(message(id).get("attachments")).isEmpty();
  }

  @Test
  void editingTheRecipientsKeepsTheRowsThatStayWithTheirNamesAndProperties() throws Exception {
    String subject = unique("Recipients kept");
    ObjectNode m = TestServer.F.objectNode();
    m.putObject("properties").put("PidTagSubject", subject).put("PidTagBody", "hi");
    ObjectNode bob = m.putArray("recipients").addObject().putObject("properties");
    bob.put("PidTagDisplayName", "Bob Builder").put("PidTagEmailAddress", "bob@example.org")
        .put("PidTagAddressType", "SMTP").put("PidTagRecipientType", 1).put("PidTagSmtpAddress", "bob@example.org");
    TestServer.Resp r = t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", m);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    String id = r.json().get("messageId").asText();
    try (BrowserContext c = ui.context(1280, 800)) {
      Page page = UiBrowser.signIn(c, base, "alice");
      UiBrowser.open(page, subject);
      button(page, "Edit").click();
      page.getByLabel("Cc", new Page.GetByLabelOptions().setExact(true)).fill("Carol Dee <carol@example.org>");
      button(page, "Save").click();
      PlaywrightAssertions.assertThat(page.locator(".reading")).containsText("carol@example.org");
    }
    JsonNode saved = message(id);
    assertThat(saved.get("recipients")).hasSize(2);
    List<String> rows = new ArrayList<>();
    saved.get("recipients").forEach(x -> rows.add(x.path("properties").path("PidTagDisplayName").path("value").asText()
        + " / " + x.path("properties").path("PidTagRecipientType").path("value").asInt()
        + " / " + x.path("properties").path("PidTagSmtpAddress").path("value").asText("-")));
    assertThat(rows).containsExactlyInAnyOrder("Bob Builder / 1 / bob@example.org", "Carol Dee / 2 / -");
  }

  @Test
  void anEmbeddedMessageOpensInTheReadingPane() {
    String subject = unique("Forward");
    ObjectNode m = TestServer.F.objectNode();
    m.putObject("properties").put("PidTagSubject", subject).put("PidTagBody", "see attached");
    ObjectNode att = m.putArray("attachments").addObject();
    att.putObject("properties").put("PidTagAttachMethod", 5).put("PidTagDisplayName", "inner");
    att.putObject("embedded").putObject("properties").put("PidTagSubject", "Inner message").put("PidTagBody", "inner body");
    TestServer.Resp r = t.post("alice", "/stores/" + store + "/folders/" + inbox + "/messages", m);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    try (BrowserContext c = ui.context(1280, 800)) {
      Page page = UiBrowser.signIn(c, base, "alice");
      UiBrowser.open(page, subject);
      button(page, "Open embedded message: Inner message").click();
      page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Inner message").setLevel(2)).waitFor();
      PlaywrightAssertions.assertThat(page.getByText("inner body")).isVisible();
      button(page, "Back to the message").click();
      page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject).setLevel(2)).waitFor();
    }
  }

  @Test
  void keysJAndKOpenTheNextAndPreviousMessage() {
    create(unique("Older"), "1");
    create(unique("Newer"), "2");
    try (BrowserContext c = ui.context(1280, 800)) {
      Page page = UiBrowser.signIn(c, base, "alice");
      Locator rows = page.locator("tbody tr button.open");
      rows.nth(1).waitFor();
      String first = rows.nth(0).textContent();
      String second = rows.nth(1).textContent();
      UiBrowser.open(page, first);
      page.locator("body").press("j");
      page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(second).setExact(true).setLevel(2)).waitFor();
      page.locator("body").press("k");
      page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(first).setExact(true).setLevel(2)).waitFor();
      // e edits the open message, n starts a new one (neither while typing in a field).
      page.locator("body").press("e");
      PlaywrightAssertions.assertThat(page.getByLabel("Subject", new Page.GetByLabelOptions().setExact(true))).hasValue(first);
      page.getByLabel("Subject", new Page.GetByLabelOptions().setExact(true)).press("n");
      PlaywrightAssertions.assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Edit message")))
          .isVisible();
      button(page, "Discard").click();
      page.locator("body").press("n");
      PlaywrightAssertions.assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("New message")
          .setExact(true))).isVisible();
    }
  }

  @Test
  void aFolderListsItsMessagesPageByPageWithItsUnreadCountAndSearchNarrowsIt() {
    String name = unique("Paging");
    TestServer.Resp f = t.post("alice", "/stores/" + store + "/folders", TestServer.F.objectNode().put("displayName", name)
        .put("parentId", t.get("alice", "/stores/" + store).json().get("rootFolderId").asText()));
    assertThat(f.status()).as(f.body()).isEqualTo(201);
    String folder = f.json().get("id").asText();
    for (int i = 0; i < 55; i++) {
      ObjectNode m = TestServer.F.objectNode();
      m.putObject("properties").put("PidTagSubject", (i == 7 ? "needle " : "hay ") + i).put("PidTagBody", "b");
      assertThat(t.post("alice", "/stores/" + store + "/folders/" + folder + "/messages", m).status()).isEqualTo(201);
    }
    try (BrowserContext c = ui.context(1280, 800)) {
      Page page = UiBrowser.signIn(c, base, "alice");
      page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(name).setExact(true)).click();
      PlaywrightAssertions.assertThat(page.getByLabel("55 unread")).isVisible();
      Locator pager = page.locator(".pager [role=status]");
      PlaywrightAssertions.assertThat(pager).hasText("1–50 of 55");
      button(page, "Next page").click();
      PlaywrightAssertions.assertThat(pager).hasText("51–55 of 55");
      page.getByLabel("Search").fill("NEEDLE");
      button(page, "Search").click();
      PlaywrightAssertions.assertThat(pager).hasText("1–1 of 1");
      UiBrowser.open(page, "needle 7");
      PlaywrightAssertions.assertThat(page.getByLabel("54 unread")).isVisible();
      // Sorting by subject, ascending then descending, is the server's (contents table).
      page.getByLabel("Search").fill("");
      button(page, "Search").click();
      page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Subject")).first().click();
      PlaywrightAssertions.assertThat(page.locator("tbody tr").first()).containsText("hay 0");
    }
  }

  @Test
  void signOutReturnsToTheSignInForm() {
    try (BrowserContext c = ui.context(390, 844)) {
      Page page = UiBrowser.signIn(c, base, "bob");
      button(page, "Sign out").click();
      PlaywrightAssertions.assertThat(button(page, "Sign in")).isVisible();
      page.reload();
      PlaywrightAssertions.assertThat(button(page, "Sign in")).isVisible();
    }
  }

  @Test
  void twoPeopleEditOneMessageTheSecondIsToldWhoSavedAndUndoesHisOverwriteInOneClick() {
    String subject = unique("Shared");
    String id = create(subject, "shared body");
    TestServer.Resp rights = t.put("alice", "/stores/" + store + "/folders/" + inbox + "/rights/bob",
        TestServer.F.objectNode().put("rights", "EDITOR"), null);
    assertThat(rights.status()).as(rights.body()).isEqualTo(204);
    try (BrowserContext ca = ui.context(1280, 800); BrowserContext cb = ui.context(1280, 800)) {
      Page a = UiBrowser.signIn(ca, base, "alice");
      Page b = UiBrowser.signIn(cb, base, "bob");
      b.getByLabel("Store").selectOption(store);
      b.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Inbox").setExact(true)).click();
      UiBrowser.open(a, subject);
      UiBrowser.open(b, subject);
      button(a, "Edit").click();
      button(b, "Edit").click();
      a.getByLabel("Subject", new Page.GetByLabelOptions().setExact(true)).fill(subject + " by alice");
      b.getByLabel("Subject", new Page.GetByLabelOptions().setExact(true)).fill(subject + " by bob");
      button(a, "Save").click();
      a.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject + " by alice").setLevel(2)).waitFor();
      button(b, "Save").click();
      Locator dialog = conflictDialog(b);
      PlaywrightAssertions.assertThat(dialog).isVisible();
      PlaywrightAssertions.assertThat(dialog).containsText("alice saved this message");
      button(b, "Overwrite").click();
      PlaywrightAssertions.assertThat(dialog).isHidden();
      assertThat(prop(message(id), "PidTagSubject")).isEqualTo(subject + " by bob");
      assertThat(versions(id).get(0).get("committedBy").asText()).isEqualTo("bob");
      assertThat(versions(id).get(0).get("kind").asText()).isEqualTo("FORCED");
      button(b, "Undo overwrite").click();
      b.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject + " by alice").setLevel(2)).waitFor();
      // alice's open page follows: the list shows her subject again.
      PlaywrightAssertions.assertThat(button(a, subject + " by alice")).isVisible();
    }
    assertThat(prop(message(id), "PidTagSubject")).isEqualTo(subject + " by alice");
    assertThat(versions(id)).hasSize(4);
  }

  @Test
  void aMessageCanBeMarkedUnreadAndMovedToAnotherFolder() {
    String subject = unique("Move me");
    String id = create(subject, "moving body");
    String drafts = t.folder("alice", store, "Drafts");
    try (BrowserContext c = ui.context(1280, 800)) {
      Page page = UiBrowser.signIn(c, base, "alice");
      UiBrowser.open(page, subject);
      PlaywrightAssertions.assertThat(page.locator("tr.selected")).not().hasClass(java.util.regex.Pattern.compile("unread"));
      button(page, "Mark unread").click();
      PlaywrightAssertions.assertThat(page.locator(".reading p.status")).containsText("Marked unread.");
      PlaywrightAssertions.assertThat(page.locator("tr.selected")).hasClass(java.util.regex.Pattern.compile("unread"));
      assertThat(message(id).get("read").asBoolean()).isFalse();
      page.getByLabel("Move to folder").selectOption(drafts);
      button(page, "Move").click();
      PlaywrightAssertions.assertThat(page.locator(".reading p.status")).containsText("Moved to Drafts.");
      PlaywrightAssertions.assertThat(button(page, subject)).isHidden();
    }
    assertThat(t.get("alice", "/stores/" + store + "/messages/" + id).status()).isIn(404, 410);
    assertThat(t.get("alice", "/stores/" + store + "/folders/" + drafts + "/messages?columns=PidTagSubject&limit=1000").body())
        .contains(subject);
  }
}
