package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A script's source, read from local files (file: URIs, through Hadoop as S3 is read): a tar.gz's
 * files and executable bits, a directory's files; every way an entry could leave the code directory
 * is refused naming it, and nothing is written outside.
 */
class SourceCodeTest {
  private static final Configuration CONF = new Configuration();

  private static Path archive(Map<String, String> entries, String symlink) throws Exception {
    Path file = TestSpark.tempDir("kiln-source-").resolve("sourcedir.tar.gz");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
      for (Map.Entry<String, String> e : entries.entrySet()) {
        byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true);
        entry.setSize(data.length);
        entry.setMode(e.getKey().endsWith(".sh") ? 0755 : 0644);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
      }
      if (symlink != null) {
        TarArchiveEntry link = new TarArchiveEntry(symlink, TarArchiveEntry.LF_SYMLINK);
        link.setLinkName("/etc/passwd");
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
      }
    }
    Files.write(file, bytes.toByteArray());
    return file;
  }

  @Test
  void anArchivesFilesAreWrittenWithTheirExecutableBits() throws Exception {
    Path file = archive(Map.of("train.py", "print(1)\n", "pkg/run.sh", "echo hi\n", "./lib/util.py", "X = 1\n"), null);
    SourceCode code = SourceCode.fetch(file.toUri().toString(), CONF);
    assertThat(code.names()).containsExactly("lib/util.py", "pkg/run.sh", "train.py");
    Path dir = TestSpark.tempDir("kiln-code-");
    code.writeTo(dir);
    assertThat(Files.readString(dir.resolve("lib/util.py"))).isEqualTo("X = 1\n");
    assertThat(Files.isExecutable(dir.resolve("pkg/run.sh"))).isTrue();
    assertThat(Files.isExecutable(dir.resolve("train.py"))).isFalse();
  }

  @Test
  void aDirectorysFilesAreTheSource() throws Exception {
    Path dir = TestSpark.tempDir("kiln-source-dir-");
    Files.createDirectories(dir.resolve("src"));
    Files.writeString(dir.resolve("src/train.py"), "print(2)\n");
    Files.writeString(dir.resolve("README"), "x\n");
    SourceCode code = SourceCode.fetch(dir.toUri().toString(), CONF);
    assertThat(code.names()).containsExactly("README", "src/train.py");
  }

  @ParameterizedTest
  @ValueSource(strings = {"../evil.py", "/tmp/evil.py", "a/../../evil.py", "a\\..\\evil.py", "a//b.py", "./../x.py"})
  void anEntryOutsideTheCodeDirectoryIsRefusedNamingIt(String name) throws Exception {
    Path file = archive(Map.of("train.py", "print(1)\n", name, "print('escaped')\n"), null);
    KilnException e = catchThrowableOfType(() -> SourceCode.fetch(file.toUri().toString(), CONF),
        KilnException.class);
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    assertThat(e.getMessage()).isEqualTo("The script's source " + file.toUri() + " holds '" + name
        + "', a path outside the code directory; refused (entries must be relative paths without '..')");
  }

  @Test
  void aLinkIsRefused() throws Exception {
    Path file = archive(Map.of("train.py", "print(1)\n"), "passwd");
    KilnException e = catchThrowableOfType(() -> SourceCode.fetch(file.toUri().toString(), CONF),
        KilnException.class);
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    assertThat(e.getMessage()).contains("holds 'passwd', a link or special file");
  }

  @Test
  void aFileThatIsNotATarGzOrNothingAtAllIsRefused() throws Exception {
    Path file = TestSpark.tempDir("kiln-source-bad-").resolve("train.py");
    Files.writeString(file, "print(1)\n");
    assertThat(catchThrowableOfType(() -> SourceCode.fetch(file.toUri().toString(), CONF), KilnException.class))
        .hasMessageContaining("is not a gzip-compressed tar (the SageMaker SDK's sourcedir.tar.gz)");
    String missing = file.resolveSibling("nothing.tar.gz").toUri().toString();
    assertThat(catchThrowableOfType(() -> SourceCode.fetch(missing, CONF), KilnException.class))
        .hasMessage("The script's source " + missing + " (algorithm.source, hyperparameter sagemaker_submit_directory) "
            + "does not exist; upload the code as a sourcedir.tar.gz or a directory there");
  }
}
