package io.kiln.cli;

import io.kiln.storage.Uris;
import java.io.IOException;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kiln cp SRC DST}: copies a file or directory between local paths and S3, with Kiln's S3 settings. */
@Command(name = "cp", mixinStandardHelpOptions = true,
    description = "Copy a file or directory to or from S3 (s3://, s3a://) with Kiln's S3 settings.")
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
    FileSystem dstFs = dst.getFileSystem(conf);
    if (!srcFs.exists(src)) {
      command.commandLine().getErr().println("kiln cp: " + source + " does not exist");
      return Kiln.EXIT_USAGE;
    }
    FileUtil.copy(srcFs, src, dstFs, dst, false, true, conf);
    command.commandLine().getOut().println("copied " + source + " to " + destination);
    return 0;
  }
}
