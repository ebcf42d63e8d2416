package io.kiln.job;

import io.kiln.storage.Store;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * Packs a model directory into {@code model.tar.gz}, as SageMaker tars {@code /opt/ml/model}: the
 * directory's files at the top level of the archive, in name order.
 */
public final class ModelArchive {
  private ModelArchive() {}

  public static void write(Path modelDirectory, Store store, String uri) {
    List<Path> files;
    try (Stream<Path> s = Files.walk(modelDirectory)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw io.kiln.spi.KilnException.internal("Cannot list the model directory " + modelDirectory, e);
    }
    store.write(uri, out -> {
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
          new GzipCompressorOutputStream(new BufferedOutputStream(new NonClosing(out), 1 << 16)))) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        for (Path f : files) {
          String name = modelDirectory.relativize(f).toString().replace('\\', '/');
          TarArchiveEntry entry = new TarArchiveEntry(f.toFile(), name);
          tar.putArchiveEntry(entry);
          try (InputStream in = Files.newInputStream(f)) {
            in.transferTo(tar);
          }
          tar.closeArchiveEntry();
        }
        tar.finish();
      }
    });
  }

  /** Lets the tar stream finish without closing the store's stream, which the store closes. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(java.io.OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
