package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** What {@code kiln} returns when a command ends with a throwable nobody handled. */
class KilnExitTest {

  /** Fails as a command does when a library on the classpath is not the one Kiln was built with. */
  @Command(name = "clash")
  static final class ClashingCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new NoSuchMethodError("'void org.apache.commons.compress.archivers.tar.TarArchiveOutputStream"
          + ".putArchiveEntry(org.apache.commons.compress.archivers.tar.TarArchiveEntry)'");
    }
  }

  @Command(name = "broken")
  static final class BrokenCommand implements Callable<Integer> {
    @Override
    public Integer call() {
      throw new IllegalStateException("broken on purpose");
    }
  }

  @Test
  void anErrorEscapingACommandExitsOneWithOneLineNamingIt() {
    CommandLine cl = Kiln.commandLine();
    cl.addSubcommand("clash", new ClashingCommand());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Kiln.execute(cl, new String[] {"clash"}, new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(exit).isEqualTo(Kiln.EXIT_FAILED);
    assertThat(err.toString().lines().findFirst().orElseThrow())
        .startsWith("kiln: Internal error: java.lang.NoSuchMethodError: 'void org.apache.commons.compress")
        .contains("not the version Kiln was built against");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void anExceptionEscapingACommandStillExitsOne() {
    CommandLine cl = Kiln.commandLine();
    cl.addSubcommand("broken", new BrokenCommand());
    StringWriter err = new StringWriter();
    int exit = Kiln.execute(cl, new String[] {"broken"}, new PrintWriter(new StringWriter(), true),
        new PrintWriter(err, true));
    assertThat(exit).isEqualTo(Kiln.EXIT_FAILED);
    assertThat(err.toString()).contains("kiln: broken on purpose");
  }
}
