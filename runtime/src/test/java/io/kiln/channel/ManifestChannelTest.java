package io.kiln.channel;

import static io.kiln.channel.LocalChannel.CONF;
import static io.kiln.channel.LocalChannel.uri;
import static io.kiln.channel.LocalChannel.userError;
import static io.kiln.channel.LocalChannel.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spec.ChannelSpec;
import io.kiln.spi.AugmentedManifestRecord;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ChannelObject;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.S3DataType;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ManifestFile channels listed from their manifest, and AugmentedManifestFile channels read as
 * parsed lines, on local files: what they hold, and every way their manifests can be wrong.
 */
class ManifestChannelTest {
  private static final List<String> KEYS = List.of("b/nested/deep/part-2.csv", "a/part-0.csv", "a/part-1.csv",
      "top.csv", "b/_hidden.csv");

  @TempDir Path dir;
  String data;

  @BeforeEach
  void writeObjects() {
    data = uri(dir) + "/data/";
    for (int i = 0; i < KEYS.size(); i++) {
      write(dir.resolve("data/" + KEYS.get(i)), (i + ",1\n").repeat(i + 1));
    }
    write(dir.resolve("data/not-listed.csv"), "9,9\n");
  }

  /** A manifest of {@code keys} under {@code prefix}, written to {@code name}; its URI. */
  String manifest(String name, String prefix, List<String> keys) {
    StringBuilder json = new StringBuilder("[{\"prefix\": \"" + prefix + "\"}");
    keys.forEach(k -> json.append(",\n  \"").append(k).append('"'));
    return manifest(name, json.append("]").toString());
  }

  String manifest(String name, String json) {
    write(dir.resolve(name), json);
    return uri(dir) + "/" + name;
  }

  static ChannelData list(String uri) {
    return list(uri, new ChannelLister(CONF));
  }

  static ChannelData list(String uri, ChannelLister lister) {
    return lister.list(new ChannelSpec("train", uri, null, DataDistribution.FullyReplicated,
        ChannelSpec.Compression.None, S3DataType.ManifestFile, List.of()), ContentType.CSV);
  }

  static List<ObjectRef> refs(ChannelData channel) {
    return ObjectKeys.of(channel, Uris.toHadoopUri(channel.uri(), CONF));
  }

  @Test
  void aManifestListsItsObjectsAsAPrefixHoldingOnlyThemWould() {
    String manifest = manifest("train.manifest", data, KEYS);
    write(dir.resolve("only/a/part-0.csv"), "1,1\n1,1\n");
    for (int i = 0; i < KEYS.size(); i++) {
      write(dir.resolve("only/" + KEYS.get(i)), (i + ",1\n").repeat(i + 1));
    }

    ChannelData fromManifest = list(manifest);
    ChannelData fromPrefix = LocalChannel.list("train", uri(dir) + "/only/", ContentType.CSV);

    assertThat(fromManifest.dataType()).isEqualTo(S3DataType.ManifestFile);
    assertThat(fromManifest.uri()).as("keys are relative to the manifest's prefix").isEqualTo(data);
    // the prefix leaves _hidden.csv out; the manifest names it, so it is read
    assertThat(refs(fromManifest)).extracting(ObjectRef::key)
        .containsExactly("a/part-0.csv", "a/part-1.csv", "b/_hidden.csv", "b/nested/deep/part-2.csv", "top.csv");
    assertThat(refs(fromPrefix)).extracting(ObjectRef::key)
        .containsExactly("a/part-0.csv", "a/part-1.csv", "b/nested/deep/part-2.csv", "top.csv");
    assertThat(refs(fromManifest)).extracting(ObjectRef::size).containsExactly(8L, 12L, 20L, 4L, 16L);
    assertThat(fromManifest.objects()).extracting(o -> o.uri()).isSorted();
  }

  @Test
  void aPrefixThatIsNotAFolderTakesKeysAppendedToIt() {
    String manifest = manifest("parts.manifest", uri(dir) + "/data/a/part-", List.of("1.csv", "0.csv"));

    ChannelData channel = list(manifest);

    assertThat(refs(channel)).extracting(ObjectRef::key).containsExactly("part-0.csv", "part-1.csv");
  }

  @Test
  void keysMayHoldSpacesColonsAndPercentSigns() {
    write(dir.resolve("data/odd/2024-01-01 10:00 50%.csv"), "1,2\n");
    String manifest = manifest("odd.manifest", data, List.of("odd/2024-01-01 10:00 50%.csv"));

    assertThat(refs(list(manifest))).extracting(ObjectRef::key, ObjectRef::size)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("odd/2024-01-01 10:00 50%.csv", 4L));
    assertThat(refs(list(manifest, new ChannelLister(CONF, 0)))).extracting(ObjectRef::key)
        .containsExactly("odd/2024-01-01 10:00 50%.csv");
  }

  @Test
  void aLargeManifestIsSizedByOneListingAndHeadsForWhatItMissed() throws IOException {
    String manifest = manifest("big.manifest", data, KEYS);
    ChannelLister listing = new ChannelLister(CONF, 2);

    assertThat(list(manifest, listing)).isEqualTo(list(manifest));
    // the listing alone finds every key, odd characters included, without a HEAD request
    write(dir.resolve("data/odd/a b:c%d.csv"), "1\n");
    List<String> keys = new ArrayList<>(KEYS);
    keys.add("odd/a b:c%d.csv");
    org.apache.hadoop.fs.Path[] paths = keys.stream()
        .map(k -> new org.apache.hadoop.fs.Path(data + k)).toArray(org.apache.hadoop.fs.Path[]::new);
    org.apache.hadoop.fs.FileStatus[] found = new org.apache.hadoop.fs.FileStatus[paths.length];
    ChannelLister.listCommonFolder(paths[0].getFileSystem(CONF), paths, found);
    assertThat(found).doesNotContainNull();
    // a key the listing cannot see is still checked, and reported as missing
    String missing = manifest("big-missing.manifest", data, List.of("a/part-0.csv", "a/part-1.csv", "a/gone.csv"));
    assertThat(userError(() -> list(missing, listing))).hasMessage("Channel 'train': manifest " + missing
        + " entry [3] names " + data + "a/gone.csv, which does not exist; upload it, or fix or remove the entry");
  }

  @Test
  void aMissingObjectIsNamedAsWrittenWithItsEntry() {
    String manifest = manifest("gone.manifest", data, List.of("a/part-0.csv", "a/gone.csv", "top.csv"));

    assertThat(userError(() -> list(manifest))).hasMessage("Channel 'train': manifest " + manifest + " entry [2] "
        + "names " + data + "a/gone.csv, which does not exist; upload it, or fix or remove the entry");
  }

  @Test
  void anEntryNamingAFolderIsRefused() {
    String manifest = manifest("folder.manifest", data, List.of("a/part-0.csv", "b"));

    assertThat(userError(() -> list(manifest))).hasMessage("Channel 'train': manifest " + manifest + " entry [2] "
        + "names " + data + "b, which is a folder, not an object; list the objects in it");
  }

  @Test
  void aMissingManifestSaysTheUriNamesTheManifestObject() {
    String manifest = uri(dir) + "/no.manifest";

    assertThat(userError(() -> list(manifest))).hasMessage("Channel 'train': the manifest " + manifest + " does not "
        + "exist; with dataType (S3DataType) ManifestFile the uri (S3Uri) names the manifest object: check it, or "
        + "use S3Prefix for the objects under a prefix");
    assertThat(userError(() -> list(uri(dir) + "/data"))).hasMessageContaining(" is a folder, not an object; ");
  }

  @Test
  void objectsThatAreAllEmptyAreRefused() {
    write(dir.resolve("data/empty.csv"), "");
    String manifest = manifest("empty.manifest", data, List.of("empty.csv"));

    assertThat(userError(() -> list(manifest))).hasMessage("Channel 'train' is empty: the 1 object(s) the manifest "
        + manifest + " lists hold 0 bytes");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "not JSON|[{\"prefix\": \"s3://b/\"}, \"a\"|is not valid JSON at line 1, column 28 (Unexpected end-of-input: "
          + "expected close marker for Array); a manifest is " + Manifest.FORMAT,
      "empty file| |is empty; a manifest is a JSON list: " + Manifest.FORMAT,
      "an object|{\"prefix\": \"s3://b/\"}|is an object, not a JSON list; a manifest is " + Manifest.FORMAT,
      "empty list|[]|is an empty list; a manifest is " + Manifest.FORMAT,
      "no prefix entry|[\"a.csv\"]|entry [0] is a string; the first entry of a manifest is {\"prefix\": "
          + "\"s3://bucket/prefix/\"}",
      "misspelt prefix|[{\"prefx\": \"s3://b/\"}, \"a\"]|entry [0] has field 'prefx', which a manifest does not take; "
          + "the first entry of a manifest is {\"prefix\": \"s3://bucket/prefix/\"}",
      "empty prefix object|[{}, \"a\"]|entry [0] has no 'prefix'; the first entry of a manifest is {\"prefix\": "
          + "\"s3://bucket/prefix/\"}",
      "prefix a number|[{\"prefix\": 3}, \"a\"]|entry [0]: 'prefix' is a number, not a URI; the first entry of a "
          + "manifest is {\"prefix\": \"s3://bucket/prefix/\"}",
      "relative prefix|[{\"prefix\": \"data/\"}, \"a\"]|entry [0]: prefix 'data/' is not a URI (s3://bucket/prefix/)",
      "http prefix|[{\"prefix\": \"https://b.s3.amazonaws.com/x/\"}, \"a\"]|entry [0]: prefix "
          + "'https://b.s3.amazonaws.com/x/' is a https: URI; use an object URI (s3://bucket/prefix/)",
      "bucket alone|[{\"prefix\": \"s3://bucket\"}, \"a\"]|entry [0]: prefix 's3://bucket' names a bucket but no "
          + "folder in it; write s3://bucket/",
      "no bucket|[{\"prefix\": \"s3:///x/\"}, \"a\"]|entry [0]: prefix 's3:///x/' has no bucket; write it as "
          + "s3://bucket/...",
      "double slash prefix|[{\"prefix\": \"s3://b/x//\"}, \"a\"]|entry [0]: prefix 's3://b/x//' has an empty path "
          + "segment ('//')",
      "climbing prefix|[{\"prefix\": \"s3://b/x/../y/\"}, \"a\"]|entry [0]: prefix 's3://b/x/../y/' has a '..' path "
          + "segment",
      "no keys|[{\"prefix\": \"s3://b/x/\"}]|lists no keys after its prefix s3://b/x/; add the keys of the objects "
          + "to read, relative to the prefix: " + Manifest.FORMAT,
      "key a number|[{\"prefix\": \"s3://b/x/\"}, \"a\", 7]|entry [2] is a number; every entry after the prefix is a "
          + "key (a JSON string) relative to the prefix s3://b/x/",
      "empty key|[{\"prefix\": \"s3://b/x/\"}, \"\"]|entry [1] '' is empty; keys are relative paths under the prefix "
          + "s3://b/x/ (e.g. \"folder/data-1.csv\")",
      "absolute key|[{\"prefix\": \"s3://b/x/\"}, \"s3://other/secret\"]|entry [1] 's3://other/secret' is an "
          + "absolute URI, not a key; keys are relative paths under the prefix s3://b/x/ (e.g. \"folder/data-1.csv\")",
      "file key|[{\"prefix\": \"s3://b/x/\"}, \"file:/etc/passwd\"]|entry [1] 'file:/etc/passwd' is an absolute "
          + "URI, not a key; keys are relative paths under the prefix s3://b/x/ (e.g. \"folder/data-1.csv\")",
      "rooted key|[{\"prefix\": \"s3://b/x/\"}, \"/etc/passwd\"]|entry [1] '/etc/passwd' starts with '/'; keys are "
          + "relative paths under the prefix s3://b/x/ (e.g. \"folder/data-1.csv\")",
      "climbing key|[{\"prefix\": \"s3://b/x/\"}, \"a\", \"a/../../y\"]|entry [2] 'a/../../y' has a '..' path "
          + "segment; keys are relative paths under the prefix s3://b/x/ (e.g. \"folder/data-1.csv\")",
      "dot key|[{\"prefix\": \"s3://b/x/\"}, \"./a\"]|entry [1] './a' has a '.' path segment; keys are relative "
          + "paths under the prefix s3://b/x/ (e.g. \"folder/data-1.csv\")",
      "double slash|[{\"prefix\": \"s3://b/x/\"}, \"a//b\"]|entry [1] 'a//b' has an empty path segment ('//'); keys "
          + "are relative paths under the prefix s3://b/x/ (e.g. \"folder/data-1.csv\")",
      "folder key|[{\"prefix\": \"s3://b/x/\"}, \"a/\"]|entry [1] 'a/' ends with '/' (a folder, not an object); keys "
          + "are relative paths under the prefix s3://b/x/ (e.g. \"folder/data-1.csv\")",
      "duplicate|[{\"prefix\": \"s3://b/x/\"}, \"a\", \"b\", \"a\"]|entries [1] and [3] both name 'a'; list each "
          + "object once",
      "trailing|[{\"prefix\": \"s3://b/x/\"}, \"a\"] []|has more after its closing ']' (line 1); a manifest is one "
          + "JSON list: " + Manifest.FORMAT,
  })
  void aMalformedManifestIsAUserErrorNamingTheManifestAndWhatIsWrong(String what, String json, String problem) {
    String manifest = manifest("bad.manifest", json == null ? "" : json);

    assertThat(userError(() -> list(manifest))).hasMessage("Channel 'train': manifest " + manifest + " " + problem);
  }

  @Test
  void aManifestOnAnObjectStoreCannotPointAtLocalFiles() {
    assertThat(Manifest.uriProblem("file:///etc/", "s3://b/train.manifest", true))
        .isEqualTo("is a local file URI, which a manifest on s3:// cannot name; use an object URI "
            + "(s3://bucket/prefix/)");
    assertThat(Manifest.uriProblem("file:///data/", "file:///m/train.manifest", true)).isNull();
    assertThat(Manifest.uriProblem("s3://b/data/", "file:///m/train.manifest", true)).isNull();
  }

  // ---------------------------------------------------------------- augmented manifests

  /** What one worker's records held: line number, then each attribute's JSON. */
  record Seen(long line, List<String> json) {}

  ChannelData augmented(String name, String text, List<String> attributes) {
    write(dir.resolve(name), text);
    return new ChannelLister(CONF).list(new ChannelSpec("labels", uri(dir) + "/" + name, "application/x-image",
        DataDistribution.ShardedByS3Key, ChannelSpec.Compression.None, S3DataType.AugmentedManifestFile, attributes),
        ContentType.of("application/x-image", ContentType.Split.OBJECTS));
  }

  static List<List<Seen>> readAll(ChannelData channel, int workers) {
    List<List<Seen>> out = new ArrayList<>();
    for (List<InputSplit> splits : AugmentedManifestReader.plan(new SplitPlanner(CONF), channel, workers)) {
      List<Seen> seen = new ArrayList<>();
      reader(channel).read(splits, r -> {
        List<String> json = new ArrayList<>();
        r.attributeNames().forEach(a -> json.add(r.json(a)));
        seen.add(new Seen(r.line(), json));
      });
      out.add(seen);
    }
    return out;
  }

  static AugmentedManifestReader reader(ChannelData channel) {
    return new AugmentedManifestReader(CONF, channel.name(), channel.uri(), channel.attributeNames(), false);
  }

  @Test
  void everyLineGoesToOneWorkerWithItsAttributesInOrderAndItsLineNumber() {
    for (int seed = 0; seed < 4; seed++) {
      Random random = new Random(seed);
      StringBuilder text = new StringBuilder();
      List<Seen> expected = new ArrayList<>();
      int lines = 1 + random.nextInt(400);
      for (int n = 1; n <= lines; n++) {
        if (random.nextInt(25) == 0) {
          text.append(random.nextBoolean() ? "" : "   ").append('\n'); // blank lines are skipped
          continue;
        }
        String cls = Integer.toString(random.nextInt(10));
        String box = "{\"left\": " + n + ", \"width\": " + "9".repeat(1 + random.nextInt(40)) + "}";
        // the attributes stand in any order in the line, among others the channel does not name
        text.append(random.nextBoolean()
            ? "{\"class\": " + cls + ", \"other\": \"x\", \"source-ref\": \"s3://b/img/" + n + ".jpg\", \"box\": "
                + box + "}"
            : "{\"box\": " + box + ", \"source-ref\": \"s3://b/img/" + n + ".jpg\", \"class\": " + cls + "}")
            .append(random.nextInt(5) == 0 ? "\r\n" : "\n");
        expected.add(new Seen(n, List.of("\"s3://b/img/" + n + ".jpg\"", cls, box.replace(" ", ""))));
      }
      ChannelData channel = augmented("seed-" + seed + ".jsonl", text.toString(),
          List.of("source-ref", "class", "box"));

      for (int workers : new int[] {1, 2, 4}) {
        List<Seen> all = new ArrayList<>();
        readAll(channel, workers).forEach(all::addAll);
        assertThat(all).as("seed %d, %d workers", seed, workers).containsExactlyElementsOf(expected);
      }
    }
  }

  @Test
  void aReferencedObjectOpensThroughTheChannelsOpenerWithItsKey() throws IOException {
    write(dir.resolve("img/cats/1.jpg"), "a cat");
    String ref = uri(dir) + "/img/cats/1.jpg";
    ChannelData channel = augmented("refs.jsonl", "{\"source-ref\": \"" + ref + "\", \"class\": \"cat\"}\n",
        List.of("class", "source-ref"));
    List<String> seen = new ArrayList<>();

    reader(channel).read(AugmentedManifestReader.plan(new SplitPlanner(CONF), channel, 1).get(0), r -> {
      ChannelObject image = r.object("source-ref");
      try (InputStream in = image.open()) {
        seen.add(r.text("class") + " " + image.key() + " " + image.size() + " "
            + new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    });

    assertThat(seen).containsExactly("cat " + dir.toAbsolutePath().toString().substring(1) + "/img/cats/1.jpg 5 a cat");
  }

  /** Reads a one-line manifest and returns the user error it fails with. */
  KilnException lineError(String line, AugmentedManifestHandlerThatThrows handler) {
    ChannelData channel = augmented("bad.jsonl", "{\"source-ref\": \"s3://b/ok.jpg\", \"class\": 1}\n" + line + "\n",
        List.of("source-ref", "class"));
    KilnException e = catchThrowableOfType(KilnException.class, () -> reader(channel).read(
        AugmentedManifestReader.plan(new SplitPlanner(CONF), channel, 1).get(0), r -> handler.handle(r)));
    assertThat(e).as("reading must fail").isNotNull();
    return e;
  }

  /** A handler for {@link #lineError}. */
  interface AugmentedManifestHandlerThatThrows {
    void handle(AugmentedManifestRecord r) throws Exception;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "not JSON|{\"source-ref\": |the line is not valid JSON (Unexpected end-of-input within/between Object "
          + "entries); each line of an augmented manifest is one JSON object",
      "two objects|{\"source-ref\": \"s3://b/a\", \"class\": 1} {}|the line holds more than one JSON value; each "
          + "line of an augmented manifest is one JSON object",
      "a list|[\"s3://b/a\", 1]|the line is a JSON list, not a JSON object; each line of an augmented manifest is "
          + "one JSON object",
      "missing attribute|{\"source-ref\": \"s3://b/a.jpg\", \"klass\": 1}|it has no attribute 'class' "
          + "(attributeNames / AttributeNames: source-ref, class); add it to the line or remove it from attributeNames",
      "null attribute|{\"source-ref\": \"s3://b/a.jpg\", \"class\": null}|it has no attribute 'class' "
          + "(attributeNames / AttributeNames: source-ref, class); add it to the line or remove it from attributeNames",
      "ref a number|{\"source-ref\": 3, \"class\": 1}|attribute 'source-ref' is 3, not an object URI (s3://bucket/key)",
      "ref not a URI|{\"source-ref\": \"cats/1.jpg\", \"class\": 1}|attribute 'source-ref' 'cats/1.jpg' is not a "
          + "URI (s3://bucket/key)",
      "ref http|{\"source-ref\": \"https://example.com/1.jpg\", \"class\": 1}|attribute 'source-ref' "
          + "'https://example.com/1.jpg' is a https: URI; use an object URI (s3://bucket/key)",
      "ref bucket only|{\"source-ref\": \"s3://b\", \"class\": 1}|attribute 'source-ref' 's3://b' names a bucket, "
          + "not an object",
      "ref bucket slash|{\"source-ref\": \"s3://b/\", \"class\": 1}|attribute 'source-ref' 's3://b/' names a bucket, "
          + "not an object",
      "ref folder|{\"source-ref\": \"s3://b/cats/\", \"class\": 1}|attribute 'source-ref' 's3://b/cats/' ends with "
          + "'/' (a folder, not an object)",
      "ref climbing|{\"source-ref\": \"s3://b/cats/../../x\", \"class\": 1}|attribute 'source-ref' "
          + "'s3://b/cats/../../x' has a '..' path segment",
  })
  void aBadLineIsAUserErrorNamingTheManifestLineAndAttribute(String what, String line, String problem) {
    KilnException e = lineError(line, r -> { });

    assertThat(e.type()).isEqualTo(ErrorType.USER);
    assertThat(e).hasMessage("Channel 'labels': augmented manifest " + uri(dir) + "/bad.jsonl line 2: " + problem);
  }

  @Test
  void aMissingReferencedObjectNamesTheLineTheAttributeAndTheUriAsWritten() {
    String ref = uri(dir) + "/img/missing.jpg";
    KilnException e = lineError("{\"source-ref\": \"" + ref + "\", \"class\": 1}", r -> {
      if (r.line() == 2) {
        r.object("source-ref").open().close();
      }
    });

    assertThat(e.type()).isEqualTo(ErrorType.USER);
    assertThat(e).hasMessage("Channel 'labels': augmented manifest " + uri(dir) + "/bad.jsonl line 2: attribute "
        + "'source-ref' names " + ref + ", which does not exist; upload it or fix the line");
  }

  @Test
  void theHandlersOwnRefusalIsLocatedAndItsFailureIsTheAlgorithms() {
    KilnException refused = lineError("{\"source-ref\": \"s3://b/x.jpg\", \"class\": {\"id\": 1}}",
        r -> r.text("class"));
    KilnException crashed = lineError("{\"source-ref\": \"s3://b/x.jpg\", \"class\": 2}", r -> {
      if (r.line() == 2) {
        throw new IllegalStateException("boom");
      }
    });

    assertThat(refused.type()).isEqualTo(ErrorType.USER);
    assertThat(refused).hasMessage("Channel 'labels': augmented manifest " + uri(dir) + "/bad.jsonl line 2: "
        + "attribute 'class' is a JSON object, not a single value");
    assertThat(crashed.type()).isEqualTo(ErrorType.ALGORITHM);
    assertThat(crashed).hasMessage("Channel 'labels': augmented manifest " + uri(dir) + "/bad.jsonl line 2: the "
        + "algorithm failed on the record: java.lang.IllegalStateException: boom");
  }

  @Test
  void aMissingOrEmptyAugmentedManifestIsRefused() {
    assertThat(userError(() -> new ChannelLister(CONF).list(new ChannelSpec("labels", uri(dir) + "/none.jsonl", null,
        null, null, S3DataType.AugmentedManifestFile, List.of("a")), ContentType.CSV)))
        .hasMessage("Channel 'labels': the augmented manifest " + uri(dir) + "/none.jsonl does not exist; with "
            + "dataType (S3DataType) AugmentedManifestFile the uri (S3Uri) names the augmented manifest object: check "
            + "it, or use S3Prefix for the objects under a prefix");
    assertThat(userError(() -> augmented("empty.jsonl", "", List.of("a"))))
        .hasMessage("Channel 'labels' is empty: the augmented manifest " + uri(dir) + "/empty.jsonl holds no lines");
  }

  @Test
  void askingARecordForAnAttributeTheChannelDoesNotNameIsTheAlgorithmsError() {
    ChannelData channel = augmented("one.jsonl", "{\"a\": 1, \"b\": 2}\n", List.of("a"));
    KilnException e = catchThrowableOfType(KilnException.class, () -> reader(channel)
        .read(AugmentedManifestReader.plan(new SplitPlanner(CONF), channel, 1).get(0), r -> r.json("b")));

    assertThat(e.type()).isEqualTo(ErrorType.ALGORITHM);
    assertThat(e).hasMessageEndingWith("line 1: the algorithm failed on the record: java.lang.IllegalArgumentException: "
        + "'b' is not one of the channel's AttributeNames [a]");
  }
}
