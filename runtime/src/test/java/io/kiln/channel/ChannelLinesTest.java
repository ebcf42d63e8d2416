package io.kiln.channel;

import static io.kiln.channel.LocalChannel.list;
import static io.kiln.channel.LocalChannel.plan;
import static io.kiln.channel.LocalChannel.uri;
import static io.kiln.channel.LocalChannel.userError;
import static io.kiln.channel.LocalChannel.write;
import static io.kiln.channel.LocalChannel.writeGzip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spec.ChannelSpec;
import io.kiln.spi.BadRecordException;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.LineHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lines of a text channel, streamed to worker code: each line to exactly one worker. */
class ChannelLinesTest {
  private static final ContentType JSON_LINES = ContentType.of("application/jsonlines", ContentType.Split.LINES);

  @TempDir Path dir;

  @Test
  void everyLineIsReadExactlyOnceByOneToFiveWorkers() {
    for (int seed = 0; seed < 12; seed++) {
      Random random = new Random(seed);
      Path root = dir.resolve("seed-" + seed);
      List<String> expected = new ArrayList<>();
      int files = 1 + random.nextInt(6);
      for (int f = 0; f < files; f++) {
        StringBuilder text = new StringBuilder();
        int lines = random.nextInt(5) == 0 ? random.nextInt(3) : random.nextInt(300);
        for (int i = 0; i < lines; i++) {
          String line = random.nextInt(20) == 0 ? "" : "{\"id\": " + expected.size() + ", \"pad\": \""
              + "x".repeat(random.nextInt(random.nextInt(10) == 0 ? 3000 : 60)) + "\"}";
          expected.add(line);
          text.append(line).append(random.nextInt(4) == 0 ? "\r\n" : "\n");
        }
        if (lines > 0 && !expected.get(expected.size() - 1).isEmpty() && random.nextBoolean()) {
          text.setLength(text.length() - (text.charAt(text.length() - 2) == '\r' ? 2 : 1)); // no final newline
        }
        String name = String.format("lines/part-%05d.jsonl", f);
        if (random.nextInt(3) == 0) {
          writeGzip(root.resolve(name + ".gz"), text.toString());
        } else {
          write(root.resolve(name), text.toString());
        }
      }
      if (expected.isEmpty()) {
        continue;
      }
      ChannelData channel = list("lines", uri(root) + "/lines/", JSON_LINES);
      for (int workers = 1; workers <= 5; workers++) {
        List<List<InputSplit>> plan;
        try {
          plan = plan(channel, workers);
        } catch (KilnException tooSmall) {
          continue; // more workers than the data can be cut for: the job refuses it
        }
        List<String> seen = new ArrayList<>();
        for (List<InputSplit> splits : plan) {
          seen.addAll(lines(splits));
        }
        assertThat(seen).as("seed %d, %d workers", seed, workers).isEqualTo(expected);
      }
    }
  }

  @Test
  void aGzipChannelWithoutExtensionsIsReadWhole() {
    List<String> expected = new ArrayList<>();
    for (int f = 0; f < 5; f++) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        String line = "line " + expected.size();
        expected.add(line);
        text.append(line).append("\r\n");
      }
      writeGzip(dir.resolve("gz/part-" + f), text.toString());
    }
    ChannelData channel = list("lines", uri(dir) + "/gz/", JSON_LINES, DataDistribution.FullyReplicated,
        ChannelSpec.Compression.Gzip);

    for (int workers = 1; workers <= 5; workers++) {
      List<String> seen = new ArrayList<>();
      for (List<InputSplit> splits : plan(channel, workers)) {
        assertThat(splits).allSatisfy(s -> assertThat(s.gzip()).isTrue());
        seen.addAll(lines(splits));
      }
      assertThat(seen).as("%d workers", workers).isEqualTo(expected);
    }
  }

  @Test
  void lineEndingsAndAByteOrderMarkAreDroppedEmptyLinesKept() {
    write(dir.resolve("t/a.txt"), "\uFEFFfirst\r\n\nthird\r\r\n\u00e9t\u00e9\n");
    ChannelData channel = list("lines", uri(dir) + "/t/", JSON_LINES);

    assertThat(lines(plan(channel, 1).get(0))).containsExactly("first", "", "third\r", "\u00e9t\u00e9");
  }

  @Test
  void aBadRecordIsAUserErrorNamingTheObjectAndLine() {
    write(dir.resolve("t/a.jsonl"), "{\"id\": 1}\n{\"id\": 2}\n");
    write(dir.resolve("t/b.jsonl"), "{\"id\": 3}\r\n\r\n{\"di\": 4}\n");
    ChannelData channel = list("lines", uri(dir) + "/t/", JSON_LINES);
    LineHandler handler = line -> {
      if (!line.isEmpty() && !line.contains("\"id\"")) {
        throw new BadRecordException("'id' is missing; every line needs {\"id\": number}");
      }
    };

    KilnException e = userError(() -> new ChannelLines(LocalChannel.CONF).read("lines", plan(channel, 1).get(0),
        handler));
    assertThat(e).hasMessage("Channel 'lines': " + channel.objects().get(1).uri() + " line 3: 'id' is missing; every "
        + "line needs {\"id\": number}");
  }

  @Test
  void aBadRecordInAGzipObjectCountsUncompressedLines() {
    writeGzip(dir.resolve("t/a.jsonl.gz"), "ok\n".repeat(70_000) + "bad\n");
    ChannelData channel = list("lines", uri(dir) + "/t/", JSON_LINES);

    assertThat(userError(() -> new ChannelLines(LocalChannel.CONF).read("lines", plan(channel, 1).get(0), line -> {
      if (line.equals("bad")) {
        throw new BadRecordException("not ok");
      }
    }))).hasMessage("Channel 'lines': " + channel.objects().get(0).uri() + " line 70001: not ok");
  }

  @Test
  void anotherExceptionOfTheHandlerIsAnAlgorithmErrorKeepingItsCause() {
    write(dir.resolve("t/a.jsonl"), "a\nb\nc\n");
    ChannelData channel = list("lines", uri(dir) + "/t/", JSON_LINES);
    IllegalStateException bug = new IllegalStateException("index out of step");

    KilnException e = catchThrowableOfType(() -> new ChannelLines(LocalChannel.CONF).read("lines",
        plan(channel, 1).get(0), line -> {
          if (line.equals("b")) {
            throw bug;
          }
        }), KilnException.class);
    assertThat(e.type()).isEqualTo(ErrorType.ALGORITHM);
    assertThat(e).hasMessage("Channel 'lines': " + channel.objects().get(0).uri() + " line 2: the algorithm failed "
        + "on the line: java.lang.IllegalStateException: index out of step");
    assertThat(e.getCause()).isSameAs(bug);
  }

  @Test
  void aKilnExceptionOfTheHandlerPassesUnchanged() {
    write(dir.resolve("t/a.jsonl"), "a\n");
    ChannelData channel = list("lines", uri(dir) + "/t/", JSON_LINES);
    KilnException own = KilnException.user("the algorithm's own words");

    assertThat(catchThrowableOfType(() -> new ChannelLines(LocalChannel.CONF).read("lines", plan(channel, 1).get(0),
        line -> {
          throw own;
        }), KilnException.class)).isSameAs(own);
  }

  @Test
  void aTruncatedGzipObjectIsAUserError() throws java.io.IOException {
    writeGzip(dir.resolve("full.gz"), "{\"id\": 1}\n".repeat(50_000));
    byte[] gz = java.nio.file.Files.readAllBytes(dir.resolve("full.gz"));
    write(dir.resolve("t/a.jsonl.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
    ChannelData channel = list("lines", uri(dir) + "/t/", JSON_LINES);

    assertThat(userError(() -> lines(plan(channel, 1).get(0))))
        .hasMessage("Channel 'lines': " + channel.objects().get(0).uri() + " is truncated gzip data (Unexpected end "
            + "of ZLIB input stream); replace it with the complete object");
  }

  @Test
  void aCsvChannelCanBeReadAsLinesToo() {
    write(dir.resolve("csv/a.csv"), "1,2\n3,4\n");
    ChannelData channel = list("train", uri(dir) + "/csv/", ContentType.CSV);

    assertThat(lines(plan(channel, 1).get(0))).containsExactly("1,2", "3,4");
  }

  private static List<String> lines(List<InputSplit> splits) {
    List<String> out = new ArrayList<>();
    new ChannelLines(LocalChannel.CONF).read("lines", splits, out::add);
    return out;
  }
}
