package io.kiln.barrier;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.channel.InputSplit;
import io.kiln.spi.ContentType;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * WorkerContext.rowError's search: the object and line of a worker's n-th row, counted as the readers
 * count rows (blank lines and LibSVM comments hold none), or a Parquet split's row by arithmetic.
 */
class RowLocatorTest {
  static final Configuration CONF = new Configuration();

  static InputSplit whole(Path file) throws Exception {
    long size = Files.size(file);
    return new InputSplit(file.toUri().toString(), 0, size, size, InputSplit.Unit.BYTES, false);
  }

  @Test
  void aLibsvmRowIsFoundPastBlankLinesAndComments() throws Exception {
    Path file = Files.createTempFile("kiln-rows", ".libsvm");
    Files.writeString(file, "# a comment line\n1 0:1.5\n\n   \n0 1:2 # trailing comment\n3 0:1\n");
    Optional<KilnException> e = RowLocator.error("train", ContentType.LIBSVM, List.of(whole(file)), 2,
        "label 3 is out of range", CONF);
    assertThat(e).get().extracting(KilnException::type).isEqualTo(ErrorType.USER);
    assertThat(e.get().getMessage()).isEqualTo("Channel 'train': " + file.toUri() + " line 6: label 3 is out of range");
    // a row past the share's last is not found
    assertThat(RowLocator.error("train", ContentType.LIBSVM, List.of(whole(file)), 3, "x", CONF)).isEmpty();
  }

  @Test
  void aCsvRowIsFoundAcrossObjectsPastBlankLines() throws Exception {
    Path a = Files.createTempFile("kiln-rows-a", ".csv");
    Path b = Files.createTempFile("kiln-rows-b", ".csv");
    Files.writeString(a, "0,1\n \t\n1,2\n");
    Files.writeString(b, "\n1,3\n2,4\n");
    Optional<KilnException> e = RowLocator.error("validation", ContentType.CSV, List.of(whole(a), whole(b)), 3,
        "label 2 is outside [0, 1]", CONF);
    assertThat(e.get().getMessage()).isEqualTo("Channel 'validation': " + b.toUri() + " line 3: label 2 is outside "
        + "[0, 1]");
  }

  @Test
  void aParquetRowIsCountedThroughTheWorkersRowRanges() {
    List<InputSplit> splits = List.of(new InputSplit("s3a://b/p/one.parquet", 20, 40, 999, InputSplit.Unit.ROWS, false),
        new InputSplit("s3a://b/p/two.parquet", 0, 10, 999, InputSplit.Unit.ROWS, false));
    assertThat(RowLocator.error("train", ContentType.PARQUET, splits, 2, "m", CONF).get().getMessage())
        .isEqualTo("Channel 'train': s3a://b/p/one.parquet row 23: m");
    assertThat(RowLocator.error("train", ContentType.PARQUET, splits, 25, "m", CONF).get().getMessage())
        .isEqualTo("Channel 'train': s3a://b/p/two.parquet row 6: m");
    assertThat(RowLocator.error("train", ContentType.PARQUET, splits, 30, "m", CONF)).isEmpty();
  }
}
