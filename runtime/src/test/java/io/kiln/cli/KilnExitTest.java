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

  /**
   * Issue 10 (newcomer): a value an option does not take, in any command, is one line naming the
   * command, the option, the value and what it accepts (not the whole usage text), and exit code 2.
   * The bad values are refused before the job root is read.
   */
  @Test
  void aBadOptionValueIsOneLineNamingTheOptionTheValueAndTheAllowedOnesAndExitsTwo() {
    String root = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "kiln-no-such-root").toUri().toString();
    java.util.Map<java.util.List<String>, java.util.List<String>> cases = java.util.Map.of(
        java.util.List.of("list", "--status-equals", "Bogus"),
        java.util.List.of("kiln list: --status-equals", "'Bogus'", "InProgress", "Completed", "Failed", "Stopping",
            "Stopped"),
        java.util.List.of("list", "--json", "--sort-by", "Size"),
        java.util.List.of("kiln list: --sort-by", "'Size'", "Name, CreationTime, Status"),
        java.util.List.of("list", "--json", "--sort-order", "Up"),
        java.util.List.of("kiln list: --sort-order", "'Up'", "Ascending", "Descending"),
        java.util.List.of("list", "--max-results", "ten"),
        java.util.List.of("kiln list: ", "--max-results", "'ten'"),
        java.util.List.of("wait", "job-1", "--timeout", "soon"),
        java.util.List.of("kiln wait: ", "--timeout", "'soon'"),
        java.util.List.of("list", "--statuss-equals", "Failed"),
        java.util.List.of("kiln list: ", "'--statuss-equals'", "did you mean --status-equals"));
    cases.forEach((args, expected) -> {
      java.util.List<String> command = new java.util.ArrayList<>(args);
      command.addAll(java.util.List.of("--job-root", root));
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int exit = Kiln.execute(command.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
      assertThat(exit).as("%s: %s", command, err).isEqualTo(Kiln.EXIT_USAGE);
      assertThat(err.toString().lines().toList()).as("%s", command).hasSize(1);
      assertThat(err.toString()).contains(expected).contains("(see 'kiln " + args.get(0) + " --help')")
          .doesNotContain("Usage:");
      assertThat(out.toString()).isEmpty();
    });
    assertThat(java.nio.file.Files.exists(java.nio.file.Path.of(java.net.URI.create(root)))).isFalse();
  }
}
