package io.kiln.channel;

import static io.kiln.channel.LocalChannel.list;
import static io.kiln.channel.LocalChannel.plan;
import static io.kiln.channel.LocalChannel.read;
import static io.kiln.channel.LocalChannel.rows;
import static io.kiln.channel.LocalChannel.uri;
import static io.kiln.channel.LocalChannel.userError;
import static io.kiln.channel.LocalChannel.write;
import static io.kiln.channel.LocalChannel.writeGzip;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.channel.LocalChannel.Row;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class CsvParserTest {
  private static final ReadOptions WEIGHTS = new ReadOptions(true);

  @TempDir Path dir;

  @Test
  void labelComesFirstAndTheRestAreFeatures() {
    LabeledData data = readCsv("3,1.5,-2\n0,0.25,1e3\n", ReadOptions.DEFAULT);

    assertThat(data.isDense()).isTrue();
    assertThat(data.rows()).isEqualTo(2);
    assertThat(data.columns()).isEqualTo(2);
    assertThat(data.weights()).isNull();
    assertThat(rows(data)).containsExactly(Row.dense(3, 1.5f, -2), Row.dense(0, 0.25f, 1000));
  }

  @Test
  void emptyCellIsAMissingValue() {
    LabeledData data = readCsv("1,,2,,\n0, ,\t,3\n", ReadOptions.DEFAULT);

    assertThat(rows(data)).containsExactly(Row.dense(1, Float.NaN, 2, Float.NaN),
        Row.dense(0, Float.NaN, Float.NaN, 3));
  }

  @Test
  void cellsAreTrimmedOfSpacesAndTabs() {
    LabeledData data = readCsv(" 1 ,\t2.5\t, 3 \r\n\t0\t,  -4,5  \n", ReadOptions.DEFAULT);

    assertThat(rows(data)).containsExactly(Row.dense(1, 2.5f, 3), Row.dense(0, -4, 5));
  }

  @Test
  void blankLinesAreSkipped() {
    LabeledData data = readCsv("\n1,2\n\r\n  \t \n\n0,3\n\n", ReadOptions.DEFAULT);

    assertThat(rows(data)).containsExactly(Row.dense(1, 2), Row.dense(0, 3));
  }

  @Test
  void weightColumnComesSecond() {
    LabeledData data = readCsv("1,0.5,2,3\n0,,4,5\n1, 2 ,,6\n", WEIGHTS);

    assertThat(data.columns()).isEqualTo(2);
    assertThat(data.weights()).isNotNull();
    // an empty weight is 1
    assertThat(rows(data)).containsExactly(Row.weighted(1, 0.5f, 2, 3), Row.weighted(0, 1, 4, 5),
        Row.weighted(1, 2, Float.NaN, 6));
  }

  @Test
  void thousandsOfWeightedRowsAreKeptInOrder() {
    StringBuilder text = new StringBuilder();
    List<Row> expected = new ArrayList<>();
    for (int r = 0; r < 5000; r++) {
      text.append(r % 2).append(',').append(r / 4f).append(',').append(r).append(",").append(-r).append('\n');
      expected.add(Row.weighted(r % 2, r / 4f, r, -r));
    }

    LabeledData data = readCsv(text.toString(), WEIGHTS);

    assertThat(data.rows()).isEqualTo(5000);
    assertThat(rows(data)).isEqualTo(expected);
  }

  @Test
  void weightedRowNeedsAFeature() {
    assertThat(userError(() -> readCsv("1,0.5\n", WEIGHTS)))
        .hasMessage("Channel 'train': " + fileUri() + " line 1: found 2 value(s); a row needs the label, the weight "
            + "and at least one feature");
  }

  @Test
  void rowNeedsAFeature() {
    assertThat(userError(() -> readCsv("\n\n7\n", ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + fileUri() + " line 3: found 1 value(s); a row needs the label and at least "
            + "one feature");
  }

  @Test
  void emptyLabelIsAnError() {
    assertThat(userError(() -> readCsv("1,2\n ,3\n", ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + fileUri() + " line 2: the label (column 1) is empty; every row needs a "
            + "label");
  }

  @Test
  void raggedRowIsAnErrorWithFileAndLineNumber() {
    assertThat(userError(() -> readCsv("1,2,3\n\n0,4,5\r\n1,6\n", ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + fileUri() + " line 4: found 2 values, but rows before it have 3 (label and "
            + "2 features)");
    assertThat(userError(() -> readCsv("1,1,2,3\n0,1,4,5,6\n", WEIGHTS)))
        .hasMessage("Channel 'train': " + fileUri() + " line 2: found 5 values, but rows before it have 4 (label, "
            + "weight and 2 features)");
  }

  @Test
  void raggedRowInALaterFileOfTheSameWorkerIsAnError() {
    write(dir.resolve("train/a.csv"), "1,2,3\n");
    write(dir.resolve("train/b.csv"), "1,2,3\n1,2,3,4\n");
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.CSV);

    assertThat(userError(() -> read("train", ContentType.CSV, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + channel.objects().get(1).uri() + " line 2: found 4 values, but rows before "
            + "it have 3 (label and 2 features)");
  }

  @Test
  void nonNumericCellIsAnErrorNamingFileLineColumnAndValue() {
    assertThat(userError(() -> readCsv("1,2,3\n0,4,abc\n", ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + fileUri() + " line 2: column 3 is 'abc', which is not a number");
    assertThat(userError(() -> readCsv("1,2,3\n0, 1 5 ,3\n", ReadOptions.DEFAULT)))
        .hasMessageEndingWith("line 2: column 2 is '1 5', which is not a number");
    assertThat(userError(() -> readCsv("1,2,3\n0,x1.5 ,3\n", ReadOptions.DEFAULT)))
        .hasMessageEndingWith("line 2: column 2 is 'x1.5', which is not a number");
    assertThat(userError(() -> readCsv("1,w,3\n", WEIGHTS)))
        .hasMessageEndingWith("line 1: column 2 is 'w', which is not a number");
  }

  @Test
  void longBadValueIsShortenedInTheMessage() {
    String value = "n".repeat(100);

    assertThat(userError(() -> readCsv("1," + value + "\n", ReadOptions.DEFAULT)))
        .hasMessageEndingWith("line 1: column 2 is '" + "n".repeat(40) + "', which is not a number");
  }

  @Test
  void headerRowIsAnErrorWithAHint() {
    assertThat(userError(() -> readCsv("label,x1,x2\n1,2,3\n", ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + fileUri() + " line 1: column 1 is 'label', which is not a number; CSV "
            + "channels have no header row and the label comes first");
  }

  @Test
  void errorInAGzipObjectCountsLinesOfTheUncompressedText() {
    writeGzip(dir.resolve("train/a.csv.gz"), "1,2\n".repeat(5000) + "1,oops\n");
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.CSV);

    assertThat(userError(() -> read("train", ContentType.CSV, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + channel.objects().get(0).uri() + " line 5001: column 2 is 'oops', which is "
            + "not a number");
  }

  @Test
  void plainTextNamedGzIsAUserError() {
    write(dir.resolve("train/a.csv.gz"), "1,2\n");
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.CSV);

    assertThat(userError(() -> read("train", ContentType.CSV, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessageStartingWith("Channel 'train': " + channel.objects().get(0).uri() + " is not valid gzip data (")
        .hasMessageEndingWith("); set the channel's compression to None if it is not compressed");
  }

  /** A 5 MB file whose bad line falls deep in the last of three workers' shares. */
  @Test
  void errorsInALaterSplitOfABigFileCountLinesFromTheFileStart() {
    StringBuilder good = new StringBuilder();
    String pad = " ".repeat(40);
    for (int i = 1; i <= 100_000; i++) {
      good.append(i % 2).append(",").append(pad).append(i).append(".25,5").append(i % 7 == 0 ? "\r\n" : "\n");
    }
    String ragged = good.toString().replace(" 99002.25,5\n", " 99002.25\n");
    String nonNumeric = good.toString().replace(" 99002.25,5\n", " 99002.25,x\n");
    assertThat(ragged).isNotEqualTo(good.toString()).hasSizeGreaterThan(5_000_000);
    assertThat(nonNumeric).isNotEqualTo(good.toString());

    write(dir.resolve("ragged/a.csv"), ragged);
    ChannelData raggedChannel = list("train", uri(dir) + "/ragged/", ContentType.CSV);
    List<List<InputSplit>> plan = plan(raggedChannel, 3);
    // more than the reader's 1 MiB buffer lies between the split start and the bad line
    assertThat(ragged.indexOf(" 99002.25") - plan.get(2).get(0).start()).isGreaterThan(1 << 20);

    assertThat(read("train", ContentType.CSV, plan.get(0), ReadOptions.DEFAULT).rows()).isGreaterThan(30_000);
    assertThat(read("train", ContentType.CSV, plan.get(1), ReadOptions.DEFAULT).rows()).isGreaterThan(30_000);
    assertThat(userError(() -> read("train", ContentType.CSV, plan.get(2), ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + raggedChannel.objects().get(0).uri() + " line 99002: found 2 values, but "
            + "rows before it have 3 (label and 2 features)");

    write(dir.resolve("bad/a.csv"), nonNumeric);
    ChannelData badChannel = list("train", uri(dir) + "/bad/", ContentType.CSV);
    assertThat(userError(() -> read("train", ContentType.CSV, plan(badChannel, 3).get(2), ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + badChannel.objects().get(0).uri() + " line 99002: column 3 is 'x', which "
            + "is not a number");
  }

  @Test
  void withoutLabelsEveryColumnIsAFeatureAndLabelsAreNull() {
    LabeledData data = readCsv("3,1.5,-2\n0,,1e3\n", ReadOptions.unlabelled());

    assertThat(data.isDense()).isTrue();
    assertThat(data.rows()).isEqualTo(2);
    assertThat(data.columns()).isEqualTo(3);
    assertThat(data.labels()).isNull();
    assertThat(data.weights()).isNull();
    assertThat(rows(data)).containsExactly(Row.dense(Float.NaN, 3, 1.5f, -2), Row.dense(Float.NaN, 0, Float.NaN, 1000));
  }

  @Test
  void withoutLabelsAOneColumnRowIsAFeatureAndAnEmptyFirstCellIsMissing() {
    LabeledData data = readCsv("7\n\n 8 \n", ReadOptions.unlabelled());
    assertThat(rows(data)).containsExactly(Row.dense(Float.NaN, 7), Row.dense(Float.NaN, 8));

    LabeledData missing = readCsv(",1\n2,3\n", ReadOptions.unlabelled());
    assertThat(rows(missing)).containsExactly(Row.dense(Float.NaN, Float.NaN, 1), Row.dense(Float.NaN, 2, 3));
  }

  @Test
  void withoutLabelsEveryWorkerReadsItsRowsExactlyOnce() {
    StringBuilder text = new StringBuilder();
    List<Row> expected = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      text.append(i).append(',').append(i * 0.5f).append(i % 9 == 0 ? "\r\n" : "\n");
      expected.add(Row.dense(Float.NaN, i, i * 0.5f));
    }
    write(dir.resolve("train/a.csv"), text.toString());
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.CSV);

    for (int workers = 1; workers <= 4; workers++) {
      assertThat(LocalChannel.concat(LocalChannel.readAll(channel, workers, ReadOptions.unlabelled())))
          .as("%d workers", workers).isEqualTo(expected);
    }
  }

  @Test
  void withoutLabelsRaggedRowsAndHeadersAreErrorsWithoutMentioningALabel() {
    assertThat(userError(() -> readCsv("1,2,3\n4,5\n", ReadOptions.unlabelled())))
        .hasMessage("Channel 'train': " + fileUri() + " line 2: found 2 values, but rows before it have 3");
    assertThat(userError(() -> readCsv("x1,x2\n1,2\n", ReadOptions.unlabelled())))
        .hasMessage("Channel 'train': " + fileUri() + " line 1: column 1 is 'x1', which is not a number; CSV "
            + "channels have no header row");
  }

  @Test
  void libSvmCannotBeReadWithoutLabels() {
    write(dir.resolve("svm/a"), "1 1:2\n");
    ChannelData channel = list("train", uri(dir) + "/svm/", ContentType.LIBSVM);

    assertThat(userError(() -> read("train", ContentType.LIBSVM, plan(channel, 1).get(0), ReadOptions.unlabelled())))
        .hasMessage("Channel 'train' is text/libsvm, whose rows always start with a label; use "
            + "text/csv;label_size=0 for rows without labels");
  }

  // ---- issue 9, kind 2: the columns read are the features SageMaker's XGBoost would use ----

  /** Issue 9: "0,0.2,1.0," is two features, as native XGBoost reads it (checked with 1.7.4: num_col 2). */
  @Test
  void oneTrailingDelimiterIsNotAColumnAsInNativeXGBoost() {
    LabeledData data = readCsv("0,0.2,1.0,\n1,0.3,2.0\n1,0.4,3.0, \n", ReadOptions.DEFAULT);

    assertThat(data.columns()).isEqualTo(2);
    assertThat(rows(data)).containsExactly(Row.dense(0, 0.2f, 1), Row.dense(1, 0.3f, 2), Row.dense(1, 0.4f, 3));
    // only one: a second empty field is a missing feature
    assertThat(rows(readCsv("0,0.2,,\n1,0.3,2\n", ReadOptions.DEFAULT)))
        .containsExactly(Row.dense(0, 0.2f, Float.NaN), Row.dense(1, 0.3f, 2));
    // the same with a weight column, and without labels
    assertThat(rows(readCsv("1,2,3,\n", WEIGHTS))).containsExactly(Row.weighted(1, 2, 3));
    assertThat(rows(readCsv("1,2,\n", ReadOptions.unlabelled()))).containsExactly(Row.dense(Float.NaN, 1, 2));
  }

  /**
   * Issue 9 (newcomer, item 1): pandas writes a missing last feature as an empty last cell
   * ({@code …,-0.552949,}); every row has the same number of fields, so it is a missing value, as
   * native XGBoost 1.7.4 reads it (checked: a row {@code 0,0.1,0.4,} beside full rows keeps 3
   * columns, the last one absent). Empty cells first, in the middle and last are all missing.
   */
  @Test
  void emptyCellsAnywhereAreMissingAndColumnsCountFieldsNotValues() {
    LabeledData full = readCsv("1,0.5,0.2,0.3\n0,0.1,0.4,\n1,,0.3,0.2\n0,0.2,,0.1\n", ReadOptions.DEFAULT);

    assertThat(full.columns()).isEqualTo(3);
    assertThat(rows(full)).containsExactly(Row.dense(1, 0.5f, 0.2f, 0.3f), Row.dense(0, 0.1f, 0.4f, Float.NaN),
        Row.dense(1, Float.NaN, 0.3f, 0.2f), Row.dense(0, 0.2f, Float.NaN, 0.1f));
    // the first rows may be the ones with the empty last cell
    LabeledData emptyFirst = readCsv("0,0.1,0.4,\n1,0.5,,\n1,0.5,0.2,0.3\n", ReadOptions.DEFAULT);
    assertThat(rows(emptyFirst)).containsExactly(Row.dense(0, 0.1f, 0.4f, Float.NaN),
        Row.dense(1, 0.5f, Float.NaN, Float.NaN), Row.dense(1, 0.5f, 0.2f, 0.3f));
    // so may the weight column's rows
    assertThat(rows(readCsv("1,2,3,\n0,1,4,5\n", WEIGHTS))).containsExactly(Row.weighted(1, 2, 3, Float.NaN),
        Row.weighted(0, 1, 4, 5));
    // a row with a field fewer than its neighbours is still refused, saying an empty cell counts
    String message = userError(() -> readCsv("1,0.5,0.2,0.3\n0,0.1,\n", ReadOptions.DEFAULT)).getMessage();
    assertThat(message).contains("line 2").contains("found 3 values, but rows before it have 4")
        .contains("an empty cell counts as a value");
  }

  /**
   * Issue 9: the workers of one channel agree whether a trailing empty field is a column: on every
   * worker's every row it is a trailing delimiter; beside rows that fill it in, a missing value.
   */
  @Test
  void workersAgreeWhetherATrailingEmptyFieldIsAColumn() {
    // every worker's rows end with an empty field: a trailing delimiter everywhere
    assertThat(TrailingField.agree(List.of("3t", "3t"))).containsExactly(2, 2);
    // worker 1 read full rows of 3 features: worker 0's empty last cells are missing features
    assertThat(TrailingField.agree(List.of("3t", "3", "-1"))).containsExactly(3, 3, -1);
    // worker 1's rows have 2 features: worker 0's empty last field is a trailing delimiter
    assertThat(TrailingField.agree(List.of("3t", "2"))).containsExactly(2, 2);
    // anything else is left as it is, for the caller's refusal
    assertThat(TrailingField.agree(List.of("5t", "2"))).containsExactly(5, 2);
  }

  /**
   * Issue 9: every spelling of a missing value the container's reader and NumPy, C, Java, R and
   * pandas write is a missing feature (native XGBoost 1.7.4 reads each as missing too).
   */
  @ParameterizedTest
  @ValueSource(strings = {"nan", "NaN", "NAN", "-nan", "+nan", "-NaN", "nan(0x7fc00000)", "-nan(ind)", "NA", "na",
      "N/A", "n/a", "#N/A", "#N/A N/A", "#NA", "<NA>", "NULL", "null", "None", "1.#IND", "-1.#IND", "1.#QNAN",
      "-1.#QNAN", "?", " nan "})
  void missingValueSpellingIsAMissingFeature(String spelling) {
    LabeledData data = readCsv("1,0.5," + spelling + ",2\n", ReadOptions.DEFAULT);

    assertThat(rows(data)).containsExactly(Row.dense(1, 0.5f, Float.NaN, 2));
  }

  @Test
  void everyListedSpellingIsTested() throws Exception {
    java.lang.reflect.Method m = getClass().getDeclaredMethod("missingValueSpellingIsAMissingFeature", String.class);
    List<String> tested = List.of(m.getAnnotation(ValueSource.class).strings());
    for (String spelling : MissingValues.SPELLINGS) {
      assertThat(tested.stream().anyMatch(t -> t.trim().equalsIgnoreCase(spelling))).as(spelling).isTrue();
    }
  }

  @Test
  void missingWeightIsOneAndAMissingLabelIsAnError() {
    assertThat(rows(readCsv("1,nan,2\n0,NA,3\n", WEIGHTS))).containsExactly(Row.weighted(1, 1, 2),
        Row.weighted(0, 1, 3));
    assertThat(userError(() -> readCsv("1,2\nNaN,3\n", ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + fileUri() + " line 2: the label (column 1) is 'NaN', a missing value; "
            + "every row needs a label");
  }

  /** Issue 9: infinite values are refused naming the file, line and column (native XGBoost: "Input data contains `inf`"). */
  @ParameterizedTest
  @ValueSource(strings = {"inf", "-inf", "INF", "Infinity", "-Infinity", "1e39", "-3.5e38"})
  void infiniteValueIsAnErrorNamingTheRow(String value) {
    assertThat(userError(() -> readCsv("1,2,3\n0,4," + value + "\n", ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + fileUri() + " line 2: column 3 is '" + value + "', which is infinite (a 32-bit "
            + "float holds at most ±3.4028235e38); replace it with a finite number, or leave the cell empty for a "
            + "missing value");
  }

  @Test
  void largestFiniteFloatsAreKept() {
    assertThat(rows(readCsv("1,3.4028235e38,-3.4028235e38,1e-46\n", ReadOptions.DEFAULT)))
        .containsExactly(Row.dense(1, Float.MAX_VALUE, -Float.MAX_VALUE, 0f));
  }

  /**
   * Newcomer item 5: LIBSVM rows read as CSV suggest text/libsvm (the reverse of the LIBSVM reader's
   * text/csv hint), whichever delimiter the sniffer picked; other text still says "not a number".
   */
  @Test
  void libSvmRowsReadAsCsvSuggestTextLibsvm() {
    assertThat(userError(() -> readCsv("1 0:2.076405313813485 1:-0.5\n", ReadOptions.DEFAULT)))
        .hasMessageContaining("line 1: column 2 is '0:2.076405313813485', an index:value pair as LIBSVM writes "
            + "features, but the channel is read as CSV (cells split at ")
        .hasMessageEndingWith("If the data is LIBSVM, set \"ContentType\": \"text/libsvm\" on the channel "
            + "(contentType: text/libsvm in Kiln's spec)");
    assertThat(userError(() -> readCsv("1,qid:3,2\n", ReadOptions.DEFAULT))).hasMessageContaining("text/libsvm");
    assertThat(userError(() -> readCsv("1,3:x,2\n", ReadOptions.DEFAULT)))
        .hasMessageContaining("column 2 is '3:x', which is not a number").hasMessageNotContaining("libsvm");
    assertThat(CsvParser.isIndexValue("12:1e-3".getBytes(), 0, 7)).isTrue();
    assertThat(CsvParser.isIndexValue("a:1".getBytes(), 0, 3)).isFalse();
    assertThat(CsvParser.isIndexValue("1:".getBytes(), 0, 2)).isFalse();
  }

  /** Issue 9: a tab-delimited "text/csv" is read as the container reads it, its delimiter sniffed. */
  @Test
  void tabDelimitedCsvIsSniffedAndRead() {
    LabeledData data = readCsv("1\t0.5\t2\n0\t\t3\t\n", ReadOptions.DEFAULT);

    assertThat(rows(data)).containsExactly(Row.dense(1, 0.5f, 2), Row.dense(0, Float.NaN, 3));
  }

  @Test
  void otherDelimitersAreSniffedToo() {
    assertThat(rows(readCsv("1;0.5;2\n0;1;3\n", ReadOptions.DEFAULT)))
        .containsExactly(Row.dense(1, 0.5f, 2), Row.dense(0, 1, 3));
    assertThat(rows(readCsv("1 0.5 2\n0 1 3\n", ReadOptions.DEFAULT)))
        .containsExactly(Row.dense(1, 0.5f, 2), Row.dense(0, 1, 3));
    // Python's sniffer would pick '0' here; Kiln never splits numbers apart
    assertThat(rows(readCsv("0|0.5|0.25|0.125\n1|1|2|3\n", ReadOptions.DEFAULT)))
        .containsExactly(Row.dense(0, 0.5f, 0.25f, 0.125f), Row.dense(1, 1, 2, 3));
  }

  @Test
  void theChannelsFirstLineDecidesForEveryFileAndErrorsNameTheDelimiter() {
    write(dir.resolve("train/a.csv"), "\n1\t2\t3\n");
    write(dir.resolve("train/b.csv"), "1,2,3\n");
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.CSV);
    List<InputSplit> second = plan(channel, 1).get(0).subList(1, 2);
    InputSplit first = plan(channel, 1).get(0).get(0);

    assertThat(userError(() -> new ChannelReader(LocalChannel.CONF).read("train", ContentType.CSV, second,
        ReadOptions.DEFAULT, first)))
        .hasMessage("Channel 'train': " + channel.objects().get(1).uri() + " line 1: found 1 value(s); a row needs the "
            + "label and at least one feature (cells split at a tab, the delimiter sniffed from the channel's first "
            + "line)");
  }

  @Test
  void gzipFirstObjectIsSniffedDecompressed() {
    writeGzip(dir.resolve("train/a.csv.gz"), "1;2\n0;3\n");
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.CSV);

    assertThat(rows(read("train", ContentType.CSV, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .containsExactly(Row.dense(1, 2), Row.dense(0, 3));
  }

  private LabeledData readCsv(String text, ReadOptions options) {
    write(dir.resolve("train/a.csv"), text);
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.CSV);
    return read("train", ContentType.CSV, plan(channel, 1).get(0), options);
  }

  private String fileUri() {
    return list("train", uri(dir) + "/train/", ContentType.CSV).objects().get(0).uri();
  }
}
