package io.kiln.channel;

import io.kiln.spi.ChannelObject;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Copies channel objects into a local directory at their keys (SageMaker's File mode). A file is
 * written under a temporary name and renamed, so a directory never holds a half-copied object under
 * its real name.
 */
public final class ChannelDownload {
  private ChannelDownload() {}

  /**
   * Copies {@code objects} into {@code directory}.
   *
   * @throws KilnException USER for a gzip object that is not gzip data, INTERNAL when storage or the
   *     local disk fails
   */
  public static Path copy(String channel, List<ChannelObject> objects, Path directory) {
    Path root = directory.toAbsolutePath().normalize();
    try {
      Files.createDirectories(root);
      for (ChannelObject o : objects) {
        Path target = root.resolve(o.key()).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
          throw KilnException.user("Channel '" + channel + "': object key '" + o.key() + "' would be written outside "
              + root + "; rename the object");
        }
        Files.createDirectories(target.getParent());
        Path partial = target.resolveSibling("." + target.getFileName() + ".kiln-partial");
        try (InputStream in = o.open()) {
          Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        } catch (java.util.zip.ZipException e) {
          Files.deleteIfExists(partial);
          throw KilnException.user("Channel '" + channel + "': " + o.uri() + " is not valid gzip data ("
              + e.getMessage() + "); set the channel's compression to None if it is not compressed");
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      return directory;
    } catch (IOException e) {
      throw KilnException.internal("Channel '" + channel + "': cannot download to " + directory + ": "
          + e.getMessage(), e);
    }
  }
}
