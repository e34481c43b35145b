package io.healthwatch.it;

import static io.healthwatch.it.HttpApi.sample;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard served by the packaged server at {@code /}, in headless chromium, fed over the
 * real HTTP API and WebSocket.
 */
@DisplayName("The live dashboard in a browser")
class DashboardBrowserTest {

  private static final Duration PATIENCE = Duration.ofSeconds(15);
  private static final By STATUS = By.id("connection-status");

  @TempDir Path tmp;

  private final List<ServerProcess> servers = new ArrayList<>();
  private ChromeDriver browser;

  @BeforeEach
  void requireBrowser() {
    Chromium.requireInstalled();
  }

  @AfterEach
  void tearDown() {
    if (browser != null) {
      browser.quit();
    }
    servers.forEach(ServerProcess::close);
  }

  private ServerProcess server(String name, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("--storage", "memory"));
    args.addAll(List.of(extraArgs));
    ServerProcess server = ServerProcess.builder().name(name).args(args.toArray(String[]::new)).start();
    servers.add(server);
    return server;
  }

  /** A server on the disk backend in a fresh data directory, so the storage panel has every figure. */
  private ServerProcess diskServer(String name, String... extraArgs) {
    List<String> args = new ArrayList<>(List.of("--storage", "disk", "--data-dir", tmp.resolve(name + "-data").toString()));
    args.addAll(List.of(extraArgs));
    ServerProcess server = ServerProcess.builder().name(name).args(args.toArray(String[]::new)).start();
    servers.add(server);
    return server;
  }

  private ChromeDriver open(ServerProcess server) {
    return open(server, 1280, 1000);
  }

  private ChromeDriver open(ServerProcess server, int width, int height) {
    browser = Chromium.start(tmp.resolve("profile"), width, height);
    browser.get(server.baseUri().toString());
    return browser;
  }

  private void openLive(ServerProcess server) {
    open(server);
    awaitStatus("live", PATIENCE);
  }

  /** A page open and live on a server that already holds one online channel. */
  private HttpApi liveWithChannel(ServerProcess server, String channelId, int samples) {
    HttpApi api = new HttpApi(server);
    api.ingest(history(channelId, samples, 40));
    openLive(server);
    awaitChannel(channelId, "online");
    return api;
  }

  private WebElement awaitChannel(String channelId, String state) {
    return awaitPresent("#channels tr[data-channel='" + channelId + "'][data-state='" + state + "']", PATIENCE);
  }

  private void awaitStatus(String status, Duration timeout) {
    new WebDriverWait(browser, timeout).until(
        ExpectedConditions.attributeToBe(STATUS, "data-status", status));
  }

  private WebElement awaitPresent(String css, Duration timeout) {
    return new WebDriverWait(browser, timeout).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector(css)));
  }

  private List<String> channelOrder() {
    return browser.findElements(By.cssSelector("#channels tr[data-channel]")).stream()
        .map(row -> row.getAttribute("data-channel"))
        .collect(Collectors.toList());
  }

  /** {@code count} samples one second apart ending a few seconds ago, with a wavy latency. */
  private static List<String> history(String channelId, int count, int baseLatency) {
    long end = System.currentTimeMillis() - 5_000;
    return samplesBetween(channelId, count, baseLatency, end - count * 1_000L, end);
  }

  /** {@code count} successful samples evenly spread over {@code from <= timestamp < to}. */
  private static List<String> samplesBetween(String channelId, int count, int baseLatency, long from, long to) {
    Random jitter = new Random(channelId.hashCode());
    double phase = jitter.nextDouble() * 6;
    List<String> samples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int latency = Math.max(1, baseLatency + (int) Math.round(baseLatency / 4.0 * Math.sin(phase + i / 4.0))
          + jitter.nextInt(1 + baseLatency / 5) + (jitter.nextInt(20) == 0 ? baseLatency / 2 : 0));
      samples.add(sample(channelId, from + (to - from) * i / count, true, latency, null));
    }
    return samples;
  }

  private static List<String> failures(String channelId, int count, String reason) {
    long now = System.currentTimeMillis();
    List<String> samples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      samples.add(sample(channelId, now - count + i, false, null, reason));
    }
    return samples;
  }

  /** Console errors, leaving out the documented 404 of /api/v1/watches/current (no active watch). */
  private List<String> consoleErrors() {
    return Chromium.consoleLog(browser).stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .filter(message -> !(message.contains("/api/v1/watches/current") && message.contains("404")))
        .collect(Collectors.toList());
  }

  @Test
  @DisplayName("the page loads, goes live and shows ingested channels without a console error or a request elsewhere")
  void loadsWithoutConsoleErrors() {
    ServerProcess server = server("console");
    HttpApi api = liveWithChannel(server, "api", 20);
    api.ingest(history("db", 5, 80));
    awaitChannel("db", "online");

    assertThat(browser.getTitle()).isEqualTo("Health Watch");
    assertThat(browser.findElement(STATUS).getText()).isEqualTo("Live");
    assertThat(consoleErrors()).as("browser console errors").isEmpty();
    @SuppressWarnings("unchecked")
    List<String> resources = (List<String>) browser.executeScript(
        "return performance.getEntriesByType('resource').map(e => e.name)");
    assertThat(resources).as("every request the page made").isNotEmpty()
        .allMatch(url -> url.startsWith(server.baseUri().toString()) || url.startsWith("ws://127.0.0.1:" + server.port() + "/"));
  }

  private long figure(String name) {
    String value = browser.findElement(By.cssSelector("#storage-figures [data-figure='" + name + "']")).getAttribute("data-value");
    return value == null ? -1 : Long.parseLong(value);
  }

  private String figureText(String name) {
    return textOf("#storage-figures [data-figure='" + name + "'] dd");
  }

  /**
   * The text of an element the page may re-render at any moment (the storage panel replaces its problem list on every
   * refresh): found and read again when the element found went stale in between.
   */
  private String textOf(String css) {
    return new WebDriverWait(browser, PATIENCE).ignoring(StaleElementReferenceException.class)
        .until(driver -> driver.findElement(By.cssSelector(css)).getText());
  }

  @Test
  @DisplayName("the storage panel shows the disk store's figures, follows new writes and turns to a warning past the data-size warning")
  void storagePanel() {
    ServerProcess server = diskServer("storage", "--data-size-warning", "20000");
    openLive(server);
    WebElement status = awaitPresent("#storage-status[data-status='UP']", PATIENCE);
    assertThat(status.findElement(By.className("status-text")).getText()).isEqualTo("ready");
    assertThat(browser.findElements(By.cssSelector("#storage-problems li"))).isEmpty();
    assertThat(figureText("segments")).isEqualTo("1");
    assertThat(figureText("freeBytes")).contains("(floor 256.0 MiB)");
    assertThat(figureText("oldestSampleAt")).isEqualTo("no sample yet");
    long writes = figure("writes");
    long data = figure("dataBytes");

    HttpApi api = new HttpApi(server);
    api.ingest(history("api", 30, 40));
    new WebDriverWait(browser, PATIENCE).ignoring(StaleElementReferenceException.class)
        .until(driver -> figure("writes") > writes && figure("dataBytes") > data);
    assertThat(figureText("writes")).matches("\\d+ succeeded, 0 failed \\(100\\.00 %\\)");
    assertThat(figureText("cache")).isEqualTo("1 channel, 30 samples");
    assertThat(figureText("oldestSampleAt")).matches("\\d\\d:\\d\\d:\\d\\d \\(.* ago\\)");
    assertThat(figureText("dataBytes")).endsWith("(warning at 19.5 KiB)");
    assertThat(browser.findElement(By.id("storage-status")).getAttribute("data-status")).isEqualTo("UP");

    api.ingest(history("db", 400, 60));
    WebElement warned = awaitPresent("#storage-status[data-status='DEGRADED']", PATIENCE);
    assertThat(warned.findElement(By.className("status-text")).getText()).isEqualTo("needs attention");
    assertThat(textOf("#storage-problems li[data-kind='warning']"))
        .contains("past the warning size of 19.5 KiB (--data-size-warning)");
    assertThat(figureText("cache")).isEqualTo("2 channels, 430 samples");
    assertThat(consoleErrors()).as("browser console errors").isEmpty();
  }

  @Test
  @DisplayName("channels ingested over HTTP appear live with state, last sample, latency and a sparkline")
  void showsChannelsLive() {
    ServerProcess server = server("channels");
    openLive(server);
    assertThat(browser.findElement(By.id("no-channels")).isDisplayed()).isTrue();

    HttpApi api = new HttpApi(server);
    api.ingest(history("api", 30, 40));
    WebElement row = awaitChannel("api", "online");

    assertThat(row.findElement(By.cssSelector(".state-text")).getText()).isEqualTo("online");
    assertThat(row.findElement(By.cssSelector(".latency")).getText()).matches("\\d+ ms");
    assertThat(row.findElement(By.cssSelector(".last-time")).getText()).matches("\\d\\d:\\d\\d:\\d\\d");
    new WebDriverWait(browser, PATIENCE).until(driver -> "30".equals(
        row.findElement(By.cssSelector("svg.sparkline")).getAttribute("data-points")));
    assertThat(row.findElement(By.cssSelector("svg.sparkline polyline")).getAttribute("points")).isNotBlank();
    assertThat(browser.findElement(By.id("no-channels")).isDisplayed()).isFalse();
    assertThat(browser.findElement(By.id("channel-count")).getText()).isEqualTo("1");
  }

  @Test
  @DisplayName("a channel that fails past the threshold shows offline with an open outage within a second")
  void showsOutageWithinASecond() {
    HttpApi api = liveWithChannel(server("outage"), "api", 10);

    api.ingest(failures("api", 3, "timeout"));

    WebDriverWait oneSecond = new WebDriverWait(browser, Duration.ofSeconds(1));
    oneSecond.until(ExpectedConditions.presenceOfElementLocated(
        By.cssSelector("#channels tr[data-channel='api'][data-state='offline']")));
    WebElement outage = oneSecond.until(ExpectedConditions.presenceOfElementLocated(
        By.cssSelector("#open-outages li[data-channel='api'][data-open='true']")));
    assertThat(outage.getText()).contains("api").contains("3 failures").contains("timeout");
    assertThat(browser.findElement(By.cssSelector("tr[data-channel='api'] .state-text")).getText())
        .as("the state reads without colour").isEqualTo("offline");
    String duration = "#open-outages li[data-channel='api'] .duration";
    String before = textOf(duration);
    new WebDriverWait(browser, Duration.ofSeconds(5)).ignoring(StaleElementReferenceException.class)
        .until(driver -> !before.equals(driver.findElement(By.cssSelector(duration)).getText()));

    api.ingest(sample("api", System.currentTimeMillis(), true, 35, null));
    awaitPresent("#closed-outages li[data-channel='api'][data-open='false']", PATIENCE);
    awaitChannel("api", "online");
    assertThat(browser.findElements(By.cssSelector("#open-outages li"))).isEmpty();
  }

  @Test
  @DisplayName("after the server restarts on the same port the page reconnects by itself and shows fresh data")
  void reconnectsAfterRestart() {
    ServerProcess server = server("restart");
    HttpApi api = new HttpApi(server);
    openLive(server);
    api.ingest(history("api", 5, 40));
    api.ingest(failures("api", 3, "tcp"));
    awaitPresent("#open-outages li[data-channel='api']", PATIENCE);

    server.stop();
    awaitStatus("offline", PATIENCE);
    assertThat(browser.findElement(STATUS).getText()).startsWith("Disconnected");

    server.restart();
    awaitStatus("live", Duration.ofSeconds(45));
    api.ingest(history("db", 5, 60));
    awaitChannel("db", "online");
    // the memory store started empty, and the re-fetched state says so
    new WebDriverWait(browser, PATIENCE).until(driver ->
        driver.findElements(By.cssSelector("#channels tr[data-channel='api'], #open-outages li")).isEmpty());
  }

  @Test
  @DisplayName("when tokens are on the page asks for one, keeps it out of the URL and works once it is given")
  void asksForToken() throws IOException {
    String readToken = "read-token-0123456789abcdef0123456789";
    String adminToken = "admin-token-0123456789abcdef012345678";
    Path tokens = tmp.resolve("tokens.txt");
    Files.writeString(tokens, readToken + " read\n" + adminToken + " admin\n");
    ServerProcess server = server("tokens", "--tokens-file", tokens.toString());
    HttpApi admin = new HttpApi(server, adminToken);
    admin.ingest(history("api", 5, 40));
    open(server);

    awaitStatus("auth", PATIENCE);
    WebElement input = browser.findElement(By.id("token-input"));
    assertThat(input.isDisplayed()).isTrue();
    assertThat(browser.switchTo().activeElement()).as("the token field has the focus").isEqualTo(input);

    input.sendKeys("wrong-token-xxxxxxxxxxxxxxxxxxxxxxxx", Keys.ENTER);
    new WebDriverWait(browser, PATIENCE).until(driver ->
        driver.findElement(By.id("token-message")).getText().contains("refused"));
    awaitStatus("auth", PATIENCE);

    browser.findElement(By.id("token-input")).sendKeys(readToken, Keys.ENTER);
    awaitStatus("live", PATIENCE);
    awaitChannel("api", "online");
    assertThat(browser.findElement(By.id("token-panel")).isDisplayed()).isFalse();

    admin.ingest(failures("db", 3, "dns"));
    awaitPresent("#open-outages li[data-channel='db']", PATIENCE);

    assertThat(browser.getCurrentUrl()).doesNotContain(readToken);
    assertThat(browser.executeScript("return sessionStorage.getItem('healthwatch.token')")).isEqualTo(readToken);
    assertThat(browser.executeScript("return localStorage.length")).isEqualTo(0L);
  }

  @Test
  @DisplayName("channels can be sorted and filtered with the keyboard alone")
  void keyboardSortAndFilter() {
    ServerProcess server = server("keyboard");
    HttpApi api = new HttpApi(server);
    api.ingest(history("web", 5, 30));
    api.ingest(history("api", 5, 40));
    api.ingest(history("db", 3, 50));
    api.ingest(failures("db", 3, "tcp"));
    openLive(server);
    awaitChannel("db", "offline");
    assertThat(channelOrder()).containsExactly("api", "db", "web");

    // Tab from the top of the page until the "State" sort button has the focus.
    Actions keys = new Actions(browser);
    List<String> visited = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      keys.sendKeys(Keys.TAB).perform();
      WebElement focused = browser.switchTo().activeElement();
      String id = focused.getAttribute("id");
      visited.add(id != null && !id.isEmpty() ? id : focused.getAttribute("data-sort"));
      if ("state".equals(focused.getAttribute("data-sort"))) {
        break;
      }
    }
    assertThat(visited).contains("filter-name", "filter-state", "name", "state");

    keys.sendKeys(Keys.ENTER).perform();
    assertThat(channelOrder()).as("offline first").containsExactly("db", "api", "web");
    assertThat(browser.findElement(By.cssSelector("th[data-sort-key='state']")).getAttribute("aria-sort"))
        .isEqualTo("ascending");
    keys.sendKeys(Keys.ENTER).perform();
    assertThat(channelOrder()).containsExactly("web", "api", "db");

    keys.keyDown(Keys.SHIFT).sendKeys(Keys.TAB).sendKeys(Keys.TAB).keyUp(Keys.SHIFT).perform();
    assertThat(browser.switchTo().activeElement().getAttribute("id")).isEqualTo("filter-state");
    new Select(browser.findElement(By.id("filter-state"))).selectByValue("online");
    assertThat(channelOrder()).containsExactly("web", "api");

    new Select(browser.findElement(By.id("filter-state"))).selectByValue("");
    browser.findElement(By.id("filter-name")).sendKeys("we");
    assertThat(channelOrder()).containsExactly("web");
    assertThat(browser.findElement(By.id("filter-summary")).getText()).isEqualTo("1 of 3 shown");
  }

  @Test
  @DisplayName("a populated dashboard with outages, a watch and storage figures, on a wide and a phone-sized screen")
  void populatedScreenshots() throws IOException {
    ServerProcess server = diskServer("screenshot");
    HttpApi api = new HttpApi(server);
    // A watch counts the samples whose timestamps fall inside it: let some time pass in each.
    long firstWatch = System.currentTimeMillis();
    api.send("POST", "/api/v1/watches", "{\"durationMs\":60000}", 201);
    ServerProcess.pause(1_000);
    api.ingest(samplesBetween("search", 20, 70, firstWatch + 1, System.currentTimeMillis()));
    api.send("POST", "/api/v1/watches/current/stop", null, 200);

    long secondWatch = System.currentTimeMillis();
    api.send("POST", "/api/v1/watches", "{\"durationMs\":3600000}", 201);
    ServerProcess.pause(3_000);
    long now = System.currentTimeMillis();
    String[] names = {"api", "auth", "billing", "cdn-edge", "db-primary", "db-replica", "queue"};
    int[] latency = {40, 55, 35, 120, 20, 25, 60};
    for (int i = 0; i < names.length; i++) {
      api.ingest(samplesBetween(names[i], 50, latency[i], secondWatch + 1, now - 1_000));
    }
    api.ingest(sample("search", now - 2_900, false, null, "http"),
        sample("search", now - 2_600, false, null, "http"),
        sample("search", now - 2_300, false, null, "http"),
        sample("search", now - 500, true, 80, null));
    api.ingest(failures("db-replica", 4, "timeout"));

    open(server, 1280, 1720);
    awaitStatus("live", PATIENCE);
    awaitPresent("#storage-status[data-status='UP']", PATIENCE);
    new WebDriverWait(browser, PATIENCE).until(driver -> figureText("cache").startsWith("8 channels"));
    awaitPresent("#open-outages li[data-channel='db-replica']", PATIENCE);
    awaitPresent("#closed-outages li[data-channel='search']", PATIENCE);
    awaitPresent("#watch-current[data-active='true'] table.stats", PATIENCE);
    awaitPresent("#watch-history tr[data-watch-id]", PATIENCE);
    new WebDriverWait(browser, PATIENCE).until(driver ->
        driver.findElements(By.cssSelector("#channels svg.sparkline polyline")).size() == names.length + 1);

    Path shots = ServerProcess.targetDir().resolve("screenshots");
    Files.createDirectories(shots);
    Path wide = shots.resolve("dashboard.png");
    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), wide, StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.size(wide)).isGreaterThan(10_000);

    browser.manage().window().setSize(new Dimension(390, 844));
    new WebDriverWait(browser, PATIENCE).until(driver ->
        ((Number) browser.executeScript("return window.innerWidth")).intValue() <= 420);
    Object overflow = browser.executeScript(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
    assertThat(((Number) overflow).intValue()).as("no sideways scrolling on a phone").isLessThanOrEqualTo(0);
    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), shots.resolve("dashboard-phone.png"),
        StandardCopyOption.REPLACE_EXISTING);
    assertThat(consoleErrors()).as("browser console errors").isEmpty();
  }
}
