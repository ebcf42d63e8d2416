package io.kiln.channel;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.kiln.spi.KilnException;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A ManifestFile channel's manifest: SageMaker's JSON list of a prefix and keys relative to it,
 * {@code [{"prefix": "s3://bucket/some/prefix/"}, "relative/path/to/data-1", "data-2", ...]}; the
 * channel is the objects {@code prefix + key} (the key appended to the prefix as written, so a
 * prefix that is not a folder, {@code s3://b/data/part-}, takes keys such as {@code 1.csv}). Source:
 * the S3Uri member of SageMaker's S3DataSource (API reference).
 *
 * <p>The manifest is data and is checked as such: the prefix is an object-store URI with a bucket
 * (a {@code file:} prefix only in a manifest that is itself a local file), without {@code .} or
 * {@code ..} segments; every key is a non-empty relative path (no scheme, no leading {@code /}, no
 * empty, {@code .} or {@code ..} segment) listed once, so no entry reaches outside the prefix.
 *
 * @param prefix the prefix as written in the manifest
 * @param keys the keys, in manifest order
 */
public record Manifest(String prefix, List<String> keys) {
  private static final JsonFactory JSON = new JsonFactory();
  /** The format, for messages. */
  static final String FORMAT = "[{\"prefix\": \"s3://bucket/prefix/\"}, \"relative/key\", ...]";

  public Manifest {
    keys = List.copyOf(keys);
  }

  /** The URI of entry {@code i} of {@link #keys()} as the user wrote it: the prefix, then the key. */
  public String uri(int i) {
    return prefix + keys.get(i);
  }

  /**
   * Reads a manifest.
   *
   * @param in the manifest's bytes (UTF-8 JSON); not closed
   * @param channel the channel, for messages
   * @param manifestUri the manifest's URI as the user wrote it, for messages and to decide whether
   *     a {@code file:} prefix is allowed
   * @throws KilnException USER naming the channel, the manifest, the entry ({@code [0]} is the
   *     prefix) and what is wrong: not JSON, not a list, no prefix, no keys, a key that is not a
   *     string, is empty, absolute or escapes the prefix, or a key listed twice
   * @throws IOException when the stream cannot be read
   */
  public static Manifest parse(InputStream in, String channel, String manifestUri) throws IOException {
    String at = "Channel '" + channel + "': manifest " + manifestUri;
    try (JsonParser p = JSON.createParser(in)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw KilnException.user(at + " is empty; a manifest is a JSON list: " + FORMAT);
      }
      if (first != JsonToken.START_ARRAY) {
        throw KilnException.user(at + " is " + describe(first) + ", not a JSON list; a manifest is " + FORMAT);
      }
      JsonToken t = p.nextToken();
      if (t == JsonToken.END_ARRAY) {
        throw KilnException.user(at + " is an empty list; a manifest is " + FORMAT);
      }
      String prefix = prefix(p, t, at, manifestUri);
      List<String> keys = new ArrayList<>();
      Map<String, Integer> seen = new HashMap<>();
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        int entry = keys.size() + 1;
        if (t != JsonToken.VALUE_STRING) {
          throw KilnException.user(at + " entry [" + entry + "] is " + describe(t) + "; every entry after the "
              + "prefix is a key (a JSON string) relative to the prefix " + prefix);
        }
        String key = p.getText();
        String problem = keyProblem(key);
        if (problem != null) {
          throw KilnException.user(at + " entry [" + entry + "] '" + key + "' " + problem
              + "; keys are relative paths under the prefix " + prefix + " (e.g. \"folder/data-1.csv\")");
        }
        Integer before = seen.putIfAbsent(key, entry);
        if (before != null) {
          throw KilnException.user(at + " entries [" + before + "] and [" + entry + "] both name '" + key
              + "'; list each object once");
        }
        keys.add(key);
      }
      if (p.nextToken() != null) {
        throw KilnException.user(at + " has more after its closing ']' (line " + p.currentLocation().getLineNr()
            + "); a manifest is one JSON list: " + FORMAT);
      }
      if (keys.isEmpty()) {
        throw KilnException.user(at + " lists no keys after its prefix " + prefix + "; add the keys of the "
            + "objects to read, relative to the prefix: " + FORMAT);
      }
      return new Manifest(prefix, keys);
    } catch (JsonProcessingException e) {
      throw KilnException.user(at + " is not valid JSON at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr() + " (" + jsonProblem(e) + "); a manifest is " + FORMAT);
    }
  }

  /** Reads entry [0], {"prefix": "..."}, and checks the prefix. */
  private static String prefix(JsonParser p, JsonToken t, String at, String manifestUri) throws IOException {
    String expected = "; the first entry of a manifest is {\"prefix\": \"s3://bucket/prefix/\"}";
    if (t != JsonToken.START_OBJECT) {
      throw KilnException.user(at + " entry [0] is " + describe(t) + expected);
    }
    String prefix = null;
    while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (!"prefix".equals(field)) {
        throw KilnException.user(at + " entry [0] has field '" + field + "', which a manifest does not take"
            + expected);
      }
      if (value != JsonToken.VALUE_STRING) {
        throw KilnException.user(at + " entry [0]: 'prefix' is " + describe(value) + ", not a URI" + expected);
      }
      prefix = p.getText();
    }
    if (prefix == null) {
      throw KilnException.user(at + " entry [0] has no 'prefix'" + expected);
    }
    String problem = uriProblem(prefix, manifestUri, true);
    if (problem != null) {
      throw KilnException.user(at + " entry [0]: prefix '" + prefix + "' " + problem);
    }
    return prefix;
  }

  /**
   * What is wrong with a key relative to a prefix, or null: empty, absolute (a scheme or a leading
   * {@code /}), or with an empty, {@code .} or {@code ..} segment.
   */
  static String keyProblem(String key) {
    if (key.isEmpty()) {
      return "is empty";
    }
    String scheme = Uris.scheme(key);
    if (key.contains("://") || scheme != null && key.regionMatches(true, 0, scheme + ":/", 0, scheme.length() + 2)) {
      return "is an absolute URI, not a key";
    }
    if (key.startsWith("/")) {
      return "starts with '/'";
    }
    return segmentProblem(key);
  }

  /** What is wrong with the segments of a relative path naming an object, or null. */
  static String segmentProblem(String path) {
    String[] segments = path.split("/", -1);
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i];
      if (segment.isEmpty()) {
        return i == segments.length - 1 ? "ends with '/' (a folder, not an object)" : "has an empty path segment ('//')";
      }
      if (segment.equals(".") || segment.equals("..")) {
        return "has a '" + segment + "' path segment";
      }
    }
    return null;
  }

  /**
   * What is wrong with an object URI (or, with {@code prefix}, a key prefix) found in a manifest, or
   * null. It must be an object-store URI with a bucket ({@code s3://bucket/...}); a {@code file:}
   * URI only when the manifest itself is a local file. Its path has no {@code .} or {@code ..}
   * segment; an object URI names an object (a key that is not empty and does not end in {@code /}).
   *
   * @param uri the URI as written
   * @param manifestUri the manifest's URI as written
   * @param prefix true for a manifest's prefix, which may end in {@code /} or part of a name
   */
  static String uriProblem(String uri, String manifestUri, boolean prefix) {
    String example = prefix ? " (s3://bucket/prefix/)" : " (s3://bucket/key)";
    String scheme = Uris.scheme(uri);
    if (scheme == null) {
      return "is not a URI" + example;
    }
    boolean localManifest = Uris.scheme(manifestUri) == null
        || Uris.scheme(manifestUri).equals("file");
    String rest = uri.substring(scheme.length() + 1);
    String path;
    if (scheme.equals("file")) {
      if (!localManifest) {
        return "is a local file URI, which a manifest on " + Uris.scheme(manifestUri) + ":// cannot name; use an "
            + "object URI" + example;
      }
      path = rest.startsWith("//") ? rest.substring(rest.indexOf('/', 2) < 0 ? rest.length() : rest.indexOf('/', 2))
          : rest;
      if (!path.startsWith("/")) {
        return "is not an absolute file URI (file:///path)";
      }
    } else {
      if (!Uris.isObjectStore(uri)) {
        return "is a " + scheme.toLowerCase(Locale.ROOT) + ": URI; use an object URI" + example;
      }
      if (!rest.startsWith("//")) {
        return "has no bucket; write it as " + scheme + "://bucket/...";
      }
      int slash = rest.indexOf('/', 2);
      if (slash == 2 || rest.length() == 2) {
        return "has no bucket; write it as " + scheme + "://bucket/...";
      }
      if (slash < 0) {
        return prefix ? "names a bucket but no folder in it; write " + uri + "/" : "names a bucket, not an object";
      }
      path = rest.substring(slash);
    }
    String relative = path.substring(1);
    if (prefix) {
      int last = relative.lastIndexOf('/');
      String folders = last < 0 ? "" : relative.substring(0, last);
      String name = relative.substring(last + 1);
      if (!folders.isEmpty() && segmentProblem(folders + "/" + "name") != null) {
        return segmentProblem(folders + "/" + "name"); // the folders, as segments of an object path
      }
      if (name.equals(".") || name.equals("..")) {
        return "has a '" + name + "' path segment";
      }
      return null;
    }
    if (relative.isEmpty()) {
      return "names a bucket, not an object";
    }
    return segmentProblem(relative);
  }

  /** Jackson's description of a syntax error, without the parser's notes on where its input came from. */
  static String jsonProblem(JsonProcessingException e) {
    String m = String.valueOf(e.getOriginalMessage());
    int marker = m.indexOf(" (start marker at");
    return marker < 0 ? m : m.substring(0, marker);
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "missing";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "a list";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
    };
  }
}
