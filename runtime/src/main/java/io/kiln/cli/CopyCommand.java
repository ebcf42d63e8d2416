package io.kiln.cli;

import io.kiln.storage.Uris;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.io.IOUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln cp SRC DST}: copies a file or directory between local paths and S3 (either way, or S3
 * to S3), with Kiln's S3 settings.
 *
 * <p>What DST means follows {@code aws s3 cp} ({@code --recursive} for a directory), so a copy
 * repeated gives the same files, the second overwriting the first:
 * <ul>
 *   <li>SRC a directory (a local directory, or an S3 prefix with objects under it): every file under
 *       SRC is written to DST + its path relative to SRC, whether or not DST exists (never to
 *       {@code DST/<SRC's name>/...}, which Hadoop's {@code FileUtil.copy} does when DST exists).
 *       Empty directories are not copied (S3 has none). DST an existing file, or DST inside SRC, is
 *       refused.
 *   <li>SRC a file: DST is the file written, unless DST ends with {@code /} or is an existing
 *       directory (prefix), in which case it is {@code DST/<SRC's name>}.
 * </ul>
 * Existing files are overwritten; files under DST that SRC does not have are kept. Local files are
 * written without Hadoop's {@code .crc} side files. Exit 2 with one line when SRC does not exist or
 * the copy is refused.
 */
@Command(name = "cp", mixinStandardHelpOptions = true,
    description = {"Copy a file or directory to or from S3 (s3://, s3a://) with Kiln's S3 settings, as "
        + "'aws s3 cp' (--recursive for a directory) does.",
        "A directory's files land under DST at their paths relative to SRC, whether or not DST exists "
        + "(copying again overwrites them). A file is copied to DST, or into DST when DST ends with / or is "
        + "an existing directory."})
final class CopyCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", paramLabel = "SRC")
  String source;

  @Parameters(index = "1", paramLabel = "DST")
  String destination;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() throws IOException {
    Configuration conf = common.settings().hadoopConf();
    Path src = Uris.toPath(source, conf);
    Path dst = Uris.toPath(destination, conf);
    FileSystem srcFs = src.getFileSystem(conf);
    FileSystem dstFs = writer(dst.getFileSystem(conf));
    src = srcFs.makeQualified(src);
    dst = dstFs.makeQualified(dst);
    FileStatus from = status(srcFs, src);
    if (from == null) {
      return refuse(source + " does not exist");
    }
    FileStatus to = status(dstFs, dst);
    int files;
    if (from.isDirectory()) {
      if (to != null && !to.isDirectory()) {
        return refuse(source + " is a directory but " + destination + " is a file; give a directory or prefix "
            + "as DST");
      }
      if (srcFs.getUri().equals(dstFs.getUri()) && under(dst, src)) {
        return refuse(destination + " is inside " + source + "; copy to a place outside it");
      }
      files = 0;
      String root = src.toUri().getPath();
      RemoteIterator<LocatedFileStatus> it = srcFs.listFiles(src, true);
      while (it.hasNext()) {
        Path file = it.next().getPath();
        String path = file.toUri().getPath();
        if (!path.startsWith(root.endsWith("/") ? root : root + "/")) {
          return refuse(file + " is listed under " + source + " but is not inside it; rename it");
        }
        String relative = path.substring(root.length() + (root.endsWith("/") ? 0 : 1));
        Path target = new Path(dst, new Path(null, null, relative));
        if (!under(target, dst)) {
          return refuse(file + " would be written outside " + destination + "; rename it");
        }
        if (!copyFile(srcFs, file, dstFs, target)) {
          return EXIT_REFUSED;
        }
        files++;
      }
    } else {
      boolean into = destination.endsWith("/") || (to != null && to.isDirectory());
      if (!copyFile(srcFs, src, dstFs, into ? new Path(dst, src.getName()) : dst)) {
        return EXIT_REFUSED;
      }
      files = 1;
    }
    command.commandLine().getOut().println("copied " + files + " file(s) from " + source + " to " + destination);
    return Kiln.EXIT_COMPLETED;
  }

  private static final int EXIT_REFUSED = Kiln.EXIT_USAGE;

  /** Copies one file's bytes to {@code target} (overwriting it); false, having said why, when target is a directory. */
  private boolean copyFile(FileSystem srcFs, Path file, FileSystem dstFs, Path target) throws IOException {
    FileStatus existing = status(dstFs, target);
    if (existing != null && existing.isDirectory()) {
      refuse("cannot copy " + file + " to " + target + ": that is a directory; remove it or copy elsewhere");
      return false;
    }
    try (InputStream in = srcFs.open(file); OutputStream out = dstFs.create(target, true)) {
      IOUtils.copyBytes(in, out, 64 * 1024, false);
    }
    return true;
  }

  private int refuse(String line) {
    command.commandLine().getErr().println("kiln cp: " + line);
    return EXIT_REFUSED;
  }

  /** The local filesystem without its checksums (no {@code .crc} files beside what is copied); others as they are. */
  private static FileSystem writer(FileSystem fs) {
    return fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
  }

  private static FileStatus status(FileSystem fs, Path p) throws IOException {
    try {
      return fs.getFileStatus(p);
    } catch (FileNotFoundException e) {
      return null;
    }
  }

  /** True when {@code p} is {@code dir} or below it (both qualified, on one filesystem). */
  private static boolean under(Path p, Path dir) {
    String d = dir.toUri().getPath();
    String s = p.toUri().getPath();
    return s.equals(d) || s.startsWith(d.endsWith("/") ? d : d + "/");
  }
}
