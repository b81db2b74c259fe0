package msgstore.server;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.options.AriaRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One Debian chromium driven by Playwright for a whole test class (DEPENDENCIES.md, "Browser
 * tests": no browser download, the flags that work as root). When {@code /usr/bin/chromium} is
 * missing, {@code scripts/chromium.sh} installs it first (as {@code ./msgstore test} does).
 */
final class UiBrowser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final List<String> FLAGS = List.of("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
      "--disable-quic");

  final Playwright playwright;
  final Browser browser;

  UiBrowser() {
    installChromiumIfMissing();
    playwright = createPlaywright();
    browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM)
        .setHeadless(true).setArgs(FLAGS));
  }

  /**
   * Playwright extracts its node driver to a new temporary file and executes it; when another test
   * of this JVM forks a process at that moment (tests run in parallel), the child briefly inherits
   * the file's write descriptor and the exec fails with ETXTBSY ("Text file busy"). That is
   * transient: extract and start again (a few times, then give up with the error).
   */
  private static Playwright createPlaywright() {
    for (int attempt = 1; ; attempt++) {
      try {
        return Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
      } catch (com.microsoft.playwright.PlaywrightException e) {
        if (attempt >= 5 || !textFileBusy(e)) {
          throw e;
        }
      }
    }
  }

  private static boolean textFileBusy(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("Text file busy")) {
        return true;
      }
    }
    return false;
  }

  private static void installChromiumIfMissing() {
    if (Files.isExecutable(CHROMIUM)) {
      return;
    }
    Path script = Path.of("..", "scripts", "chromium.sh").toAbsolutePath().normalize();
    try {
      Process p = new ProcessBuilder("bash", script.toString()).inheritIO().start();
      if (p.waitFor() != 0 || !Files.isExecutable(CHROMIUM)) {
        throw new IllegalStateException(script + " could not install chromium (exit " + p.exitValue() + ")");
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A fresh browser context (its own cookies: one person, or the same person in a second browser). */
  BrowserContext context(int width, int height) {
    BrowserContext ctx = browser.newContext(new Browser.NewContextOptions().setViewportSize(width, height));
    ctx.setDefaultTimeout(10_000);
    return ctx;
  }

  /** Signs in through the form at {@code /} and waits for the mail view. */
  static Page signIn(BrowserContext ctx, String base, String user) {
    Page page = ctx.newPage();
    page.navigate(base + "/");
    page.getByLabel("User name").fill(user);
    page.getByLabel("Password").fill("secret-" + user);
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out")).waitFor();
    return page;
  }

  /** Opens a message of the current folder's list by its subject and waits for the reading pane. */
  static void open(Page page, String subject) {
    page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(subject).setExact(true)).click();
    page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(subject).setExact(true).setLevel(2)).waitFor();
  }

  /**
   * axe-core (the WebJar, served by the server under its versioned path, so the page's CSP allows
   * it) run in the page: the serious and critical violations, as readable lines.
   */
  @SuppressWarnings("unchecked")
  static List<String> seriousAxeViolations(Page page) {
    page.addScriptTag(new Page.AddScriptTagOptions().setUrl("/webjars/axe-core/4.6.3/axe.min.js"));
    Object out = page.evaluate("async () => (await axe.run(document)).violations"
        + ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        + ".map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(' | '))");
    return (List<String>) out;
  }

  @Override
  public void close() {
    browser.close();
    playwright.close();
  }
}
