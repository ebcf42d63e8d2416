package io.kiln.predict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ModelFiles}: what a model archive may hold, read from a local path. */
class ModelFilesTest {
  @TempDir Path tmp;

  @Test
  void aModelArchiveIsUnpackedWithItsDirectories() throws IOException {
    Path archive = archive("good.tar.gz", tar -> {
      directory(tar, "sub/");
      file(tar, "xgboost-model", "weights");
      file(tar, "./sub/extra.json", "{}");
    });
    Path dir = ModelFiles.fetch(archive.toString(), new Configuration());
    try {
      assertEquals("weights", Files.readString(dir.resolve("xgboost-model")));
      assertEquals("{}", Files.readString(dir.resolve("sub/extra.json")));
    } finally {
      ModelFiles.delete(dir);
    }
  }

  @Test
  void linksAndSpecialFilesAreRefusedAndNothingIsLeftBehind() throws IOException {
    for (byte kind : new byte[] {TarArchiveEntry.LF_SYMLINK, TarArchiveEntry.LF_LINK, TarArchiveEntry.LF_CHR,
        TarArchiveEntry.LF_BLK, TarArchiveEntry.LF_FIFO}) {
      Path archive = archive("link" + kind + ".tar.gz", tar -> {
        file(tar, "model.json", "{}");
        TarArchiveEntry e = new TarArchiveEntry("escape", kind);
        if (kind == TarArchiveEntry.LF_SYMLINK || kind == TarArchiveEntry.LF_LINK) {
          e.setLinkName("/etc/passwd");
        }
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
      });
      long before = tempModels();
      KilnException e = assertThrows(KilnException.class,
          () -> ModelFiles.fetch(archive.toString(), new Configuration()), "entry kind " + kind);
      assertEquals(ErrorType.USER, e.type());
      assertTrue(e.getMessage().contains("'escape', a link or special file"), e.getMessage());
      assertEquals(before, tempModels(), "the half-unpacked directory is deleted");
    }
  }

  @Test
  void entriesLeavingTheDirectoryAndNonArchivesAreRefused() throws IOException {
    for (String name : new String[] {"../outside", "/abs/model", "a/../../outside"}) {
      Path archive = archive("escape.tar.gz", tar -> file(tar, name, "x"));
      KilnException e = assertThrows(KilnException.class,
          () -> ModelFiles.fetch(archive.toString(), new Configuration()), name);
      assertTrue(e.getMessage().contains("a path outside the model directory"), e.getMessage());
      assertFalse(Files.exists(tmp.resolve("outside")));
    }
    Path plain = Files.writeString(tmp.resolve("model.txt"), "not an archive");
    KilnException e = assertThrows(KilnException.class, () -> ModelFiles.fetch(plain.toString(), new Configuration()));
    assertTrue(e.getMessage().contains("is not a gzip-compressed tar"), e.getMessage());
  }

  private long tempModels() throws IOException {
    try (var s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().startsWith("kiln-model-")).count();
    }
  }

  private interface Entries {
    void write(TarArchiveOutputStream tar) throws IOException;
  }

  private Path archive(String name, Entries entries) throws IOException {
    Path p = tmp.resolve(name);
    try (OutputStream out = Files.newOutputStream(p);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
      entries.write(tar);
    }
    return p;
  }

  private static void file(TarArchiveOutputStream tar, String name, String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry e = new TarArchiveEntry(name, true); // as written, leading '/' and '..' kept
    e.setSize(b.length);
    tar.putArchiveEntry(e);
    tar.write(b);
    tar.closeArchiveEntry();
  }

  private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
    tar.putArchiveEntry(new TarArchiveEntry(name));
    tar.closeArchiveEntry();
  }
}
