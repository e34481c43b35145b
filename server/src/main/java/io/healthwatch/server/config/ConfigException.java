package io.healthwatch.server.config;

/**
 * A setting the server cannot start with. The message is one line that names the setting and
 * what is wrong with it, and never holds a secret.
 */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }

  public static ConfigException of(Setting setting, String source, String problem) {
    return new ConfigException("bad setting " + setting.label() + (source == null ? "" : " from " + source) + ": " + problem);
  }
}
