package io.healthwatch.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless chromium driven through its own chromedriver. Nothing is downloaded: both
 * paths are given explicitly, so Selenium Manager never runs. {@code HEALTHWATCH_CHROMIUM} and
 * {@code HEALTHWATCH_CHROMEDRIVER} point elsewhere (another Chromium or Chrome with its
 * matching driver).
 */
final class Chromium {

  static final Path BINARY = Path.of(envOr("HEALTHWATCH_CHROMIUM", "/usr/bin/chromium"));
  static final Path DRIVER = Path.of(envOr("HEALTHWATCH_CHROMEDRIVER", "/usr/bin/chromedriver"));

  // No CDP is used, so Selenium's warning that it has no CDP binding for this chromium is noise.
  // A strong reference keeps the level set (java.util.logging holds loggers weakly).
  private static final Logger CDP_LOG = Logger.getLogger("org.openqa.selenium.devtools");

  static {
    CDP_LOG.setLevel(Level.SEVERE);
  }

  private Chromium() {}

  /**
   * Skips the calling test with a clear message when the browser is not installed, unless it is
   * required: {@code HEALTHWATCH_REQUIRE_BROWSER} is set, or {@code CI} is set on Linux (CI
   * installs it there), in which case a missing browser fails the test.
   */
  static void requireInstalled() {
    if (Files.isExecutable(BINARY) && Files.isExecutable(DRIVER)) {
      return;
    }
    String message = "Browser tests need " + BINARY + " and " + DRIVER
        + " (Debian: apt-get install -y chromium chromium-driver; elsewhere set HEALTHWATCH_CHROMIUM"
        + " and HEALTHWATCH_CHROMEDRIVER to a Chromium or Chrome and its matching chromedriver)";
    boolean linux = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
    if (System.getenv("HEALTHWATCH_REQUIRE_BROWSER") != null || (System.getenv("CI") != null && linux)) {
      fail(message + "; required here (CI on Linux or HEALTHWATCH_REQUIRE_BROWSER), so this fails");
    }
    Assumptions.abort(message + "; skipped because they are missing and the browser is not required here");
  }

  /** A fresh browser with its own profile directory and browser console logging on. */
  static ChromeDriver start(Path profileDir, int width, int height) {
    requireInstalled();
    System.setProperty("webdriver.chrome.driver", DRIVER.toString());
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BINARY.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--user-data-dir=" + profileDir.toAbsolutePath(),
        "--window-size=" + width + "," + height);
    LoggingPreferences logging = new LoggingPreferences();
    logging.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logging);
    Path driverLog = ServerProcess.targetDir().resolve("browser-logs").resolve("chromedriver.log");
    try {
      Files.createDirectories(driverLog.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(DRIVER.toFile())
        .usingAnyFreePort()
        .withLogFile(driverLog.toFile())
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
    return driver;
  }

  /** Everything the page wrote to the console (and network errors) since the last call. */
  static List<LogEntry> consoleLog(ChromeDriver driver) {
    return driver.manage().logs().get(LogType.BROWSER).getAll();
  }

  private static String envOr(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
