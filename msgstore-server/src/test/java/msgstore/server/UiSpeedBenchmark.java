package msgstore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import msgstore.api.Folder;
import msgstore.api.FolderId;
import msgstore.api.Message;
import msgstore.api.PropTags;
import msgstore.api.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI's speed on a 100,000-message folder, measured by Playwright in Debian chromium
 * (issue 9, "Speed"; figures in docs/BENCHMARKS.md, "Web UI"). Not part of the suite: run with
 * {@code MSGSTORE_UI_BENCH=1 mvn ... -pl msgstore-server -am test -Dtest=UiSpeedBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}; it prints one line per figure.
 */
@EnabledIfEnvironmentVariable(named = "MSGSTORE_UI_BENCH", matches = "1")
class UiSpeedBenchmark {
  static final int MESSAGES = Integer.getInteger("msgstore.uiBench.messages", 100_000);
  static final int CHANGES = 100;

  @TempDir
  Path dir;

  @Test
  void signInListOpenAndRemoteChangesOnAHundredThousandMessageFolder() throws Exception {
    try (TestServer t = TestServer.start(dir.resolve("server")); UiBrowser ui = new UiBrowser()) {
      String store = t.mailbox("alice");
      FolderId inbox = msgstore.protocol.Json.folderId(t.folder("alice", store, "Inbox"), "inbox");
      long b0 = System.nanoTime();
      fill(t, inbox);
      double buildS = (System.nanoTime() - b0) / 1e9;
      System.out.printf("UI-BENCH built %,d messages in %.1f s%n", MESSAGES, buildS);
      String base = t.server.baseUri().toString();
      String fid = t.folder("alice", store, "Inbox");
      String cols = "columns=PidTagSenderName,PidTagSubject,PidTagMessageDeliveryTime,PidTagLastModificationTime,"
          + "PidTagMessageSize,PidTagMessageFlags,PidTagHasAttachments&offset=0&limit=50";
      for (String probe : List.of("/stores", "/stores/" + store + "/folders",
          "/stores/" + store + "/folders/" + fid + "/messages?" + cols + "&sort=-PidTagMessageDeliveryTime,-PidTagLastModificationTime",
          "/stores/" + store + "/folders/" + fid + "/messages?" + cols + "&sort=-PidTagMessageDeliveryTime",
          "/stores/" + store + "/folders/" + fid + "/messages?columns=PidTagSubject&limit=50&sort=-PidTagMessageDeliveryTime",
          "/stores/" + store + "/folders/" + fid + "/messages?" + cols + "&sort=PidTagSubject",
          "/stores/" + store + "/folders/" + fid + "/messages?" + cols + "&sort=-PidTagLastModificationTime",
          "/stores/" + store + "/folders/" + fid + "/messages?" + cols + "&sort=-PidTagMessageSize",
          "/stores/" + store + "/folders/" + fid + "/messages?" + cols + "&sort=PidTagSenderName",
          "/stores/" + store + "/folders/" + fid + "/messages?" + cols)) {
        for (int i = 0; i < 3; i++) {
          long p0 = System.nanoTime();
          TestServer.Resp pr = t.get("alice", probe);
          System.out.printf("UI-BENCH probe %s -> %d in %.0f ms%n", probe.replace(store, "S"), pr.status(),
              (System.nanoTime() - p0) / 1e6);
        }
      }
      if ("1".equals(System.getenv("MSGSTORE_UI_BENCH_PROBE"))) {
        return;
      }

      List<Double> signIn = new ArrayList<>();
      List<Double> open = new ArrayList<>();
      List<Double> remote = new ArrayList<>();
      for (int round = 0; round < 6; round++) { // the first round warms the server and the browser up
        try (BrowserContext c = ui.context(1280, 800)) {
          Page page = c.newPage();
          page.navigate(base + "/");
          page.getByLabel("User name").fill("alice");
          page.getByLabel("Password").fill("secret-alice");
          long s0 = System.nanoTime();
          page.evaluate("() => { performance.clearResourceTimings(); window.__t0 = performance.now(); }");
          page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
          page.locator("tbody tr").first().waitFor();
          double ms = (System.nanoTime() - s0) / 1e6;
          if (System.getenv("MSGSTORE_UI_BENCH_TRACE") != null) {
            System.out.println("UI-BENCH trace " + page.evaluate("() => performance.getEntriesByType('resource').map(e => "
                + "e.name.replace(/^.*?\\/\\/[^/]+/, '').slice(0, 60) + ' start=' + Math.round(e.startTime - window.__t0) "
                + "+ ' dur=' + Math.round(e.duration)).join('\\n')"));
          }
          page.locator(".pager [role=status]").filter(new com.microsoft.playwright.Locator.FilterOptions()
              .setHasText(String.format("of %d", MESSAGES))).waitFor();
          for (int i = 0; i < 5; i++) {
            String subject = page.locator("tbody tr").nth(i + 5 * (round % 5)).locator("button.open").textContent();
            long o0 = System.nanoTime();
            page.locator("tbody tr").nth(i + 5 * (round % 5)).locator("button.open").click();
            page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject).setExact(true).setLevel(2))
                .waitFor();
            if (round > 0) {
              open.add((System.nanoTime() - o0) / 1e6);
            }
          }
          if (round > 0) {
            signIn.add(ms);
          }
          if (round == 5) {
            String id = page.locator("tr.selected").getAttribute("data-id");
            for (int i = 0; i < CHANGES; i++) {
              String etag = t.get("alice", "/stores/" + store + "/messages/" + id).etag();
              String subject = "remote change " + i;
              long r0 = System.nanoTime();
              TestServer.Resp r = t.patch("alice", "/stores/" + store + "/messages/" + id,
                  TestServer.props("PidTagSubject", subject), etag);
              assertThat(r.status()).isEqualTo(200);
              page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(subject).setExact(true)).waitFor();
              remote.add((System.nanoTime() - r0) / 1e6);
            }
          }
        }
      }
      report("sign-in to first list (ms)", signIn);
      report("open a message (ms)", open);
      report("remote change visible in the open list (ms)", remote);
    }
  }

  private static void fill(TestServer t, FolderId inbox) throws Exception {
    int threads = 64;
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    List<Future<?>> fs = new ArrayList<>();
    Instant start = Instant.parse("2020-01-01T00:00:00Z");
    for (int w = 0; w < threads; w++) {
      int worker = w;
      fs.add(pool.submit(() -> {
        try (Session s = t.server.store().openSession("alice")) {
          Folder f = s.openFolder(inbox);
          for (int i = worker; i < MESSAGES; i += threads) {
            Message m = f.createMessage();
            m.set(PropTags.SUBJECT, "Message number " + i);
            m.set(PropTags.BODY, "Body of message " + i + ". Lorem ipsum dolor sit amet.");
            m.set(PropTags.SENDER_NAME, "Sender " + (i % 97));
            m.set(PropTags.MESSAGE_DELIVERY_TIME, start.plusSeconds(i * 60L));
            m.saveChanges();
          }
        }
        return null;
      }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
  }

  private static void report(String what, List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    double p50 = v.get(v.size() / 2);
    double p99 = v.get(Math.min(v.size() - 1, (int) Math.ceil(v.size() * 0.99) - 1));
    System.out.printf("UI-BENCH %s: n=%d min=%.0f p50=%.0f p99=%.0f max=%.0f%n", what, v.size(), v.get(0), p50, p99,
        v.get(v.size() - 1));
  }
}
