package io.kiln.cli;

import io.kiln.runner.TrainingJobRunner;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kiln} command: {@code train}, {@code predict}, {@code describe}, {@code list}, {@code logs},
 * {@code wait}, {@code stop}, {@code cp}, and the tuning commands when the tuning module is on the
 * classpath.
 *
 * <p>Exit codes ({@link #EXIT_CODES}, listed by every command's {@code --help}): 0 Completed (or the
 * command did what it was asked), 1 Failed (or an unexpected error), 2 bad usage or spec, 3 Stopped,
 * 4 no such job, 5 {@code wait --timeout} passed first. The read-only commands ({@code describe},
 * {@code list}, {@code logs}, {@code wait}, {@code describe-tuning}, {@code list-trials}) and
 * {@code stop} start no Spark: they read the job root through Hadoop's FileSystem.
 */
@Command(name = "kiln", mixinStandardHelpOptions = true, versionProvider = Kiln.Version.class,
    description = "SageMaker-style training jobs on Apache Spark.")
public final class Kiln implements Runnable {
  public static final int EXIT_COMPLETED = 0;
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_STOPPED = 3;
  /** No job of the given name under the job root (SageMaker's ResourceNotFound). */
  public static final int EXIT_NO_SUCH_JOB = 4;
  /** {@code kiln wait --timeout S} passed before the job ended. */
  public static final int EXIT_TIMEOUT = 5;

  /** The exit codes, as every command's {@code --help} lists them. */
  public static final java.util.Map<String, String> EXIT_CODES = exitCodes();

  private static java.util.Map<String, String> exitCodes() {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("0", "Completed, or the command did what it was asked");
    m.put("1", "Failed, or an unexpected error");
    m.put("2", "bad usage, spec or setting");
    m.put("3", "Stopped (the model so far is kept)");
    m.put("4", "no such job (ResourceNotFound)");
    m.put("5", "wait --timeout passed before the job ended");
    return java.util.Collections.unmodifiableMap(m);
  }

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: train, predict, describe, list, logs, wait, "
        + "stop, cp, tune, describe-tuning or list-trials");
  }

  /**
   * Runs the command and ends the JVM with its exit code, always: under spark-submit a driver that
   * ran a barrier stage keeps a non-daemon timer thread (Spark 3.5's BarrierTaskContext, SPARK-46895),
   * so returning from {@code main} would leave the process running.
   */
  public static void main(String[] args) {
    int exit = EXIT_FAILED;
    try {
      exit = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    } catch (Throwable t) {
      System.err.println("kiln: " + TrainingJobRunner.internalError(t));
      t.printStackTrace();
    } finally {
      System.exit(exit);
    }
  }

  /**
   * Runs the command line and returns the exit code. A throwable no command handled, an Error
   * included, is printed as one line (then its stack trace, for a bug report) and gives
   * {@link #EXIT_FAILED}; a job it happened in was already recorded as Failed by its runner.
   */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    return execute(commandLine(args.length == 0 ? null : args[0]), args, out, err);
  }

  static int execute(CommandLine cl, String[] args, PrintWriter out, PrintWriter err) {
    cl.setOut(out);
    cl.setErr(err);
    try {
      return cl.execute(args);
    } catch (Throwable t) {
      err.println("kiln: " + TrainingJobRunner.internalError(t));
      t.printStackTrace(err);
      err.flush();
      return EXIT_FAILED;
    }
  }

  /** Runs the command line with {@code environment} in place of the process environment. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err, java.util.Map<String, String> environment) {
    CommonOptions.ENVIRONMENT.set(environment);
    try {
      return execute(args, out, err);
    } finally {
      CommonOptions.ENVIRONMENT.remove();
    }
  }

  /** The whole command line: every command, the tuning ones when the tuning module is present, and help. */
  static CommandLine commandLine() {
    return commandLine(null);
  }

  /**
   * The command line for arguments starting with {@code first}: when it names a command, only that
   * command is built (picocli reflects over every option of every command it is given, a third of a
   * read-only command's start-up); otherwise (an option, {@code help}, a typo, nothing) all of them,
   * so help and picocli's suggestions see every command.
   */
  static CommandLine commandLine(String first) {
    List<Object> commands = new ArrayList<>(List.of(new TrainCommand(), new DescribeCommand(), new ListCommand(),
        new LogsCommand(), new WaitCommand(), new StopCommand(), new CopyCommand(), new PredictCommand()));
    // the providers only when the first argument is not one of these: a service lookup reads every jar
    // on the classpath
    if (first == null || commands.stream().noneMatch(c -> name(c).equals(first))) {
      for (KilnCommandProvider p : ServiceLoader.load(KilnCommandProvider.class, Kiln.class.getClassLoader())) {
        commands.addAll(p.commands());
      }
    }
    boolean one = first != null && commands.stream().anyMatch(c -> name(c).equals(first));
    CommandLine cl = new CommandLine(new Kiln());
    for (Object c : commands) {
      if (!one || name(c).equals(first)) {
        cl.addSubcommand(c);
      }
    }
    if (!one) {
      cl.addSubcommand(new CommandLine.HelpCommand());
    }
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("kiln: " + e.getMessage());
      return exitCode(e);
    });
    cl.setParameterExceptionHandler(Kiln::badUsage);
    listExitCodes(cl);
    cl.setExitCodeExceptionMapper(t -> EXIT_USAGE);
    return cl;
  }

  /**
   * A bad command line (an unknown option, a value of the wrong type, a value an option does not
   * accept such as {@code list --status-equals Bogus}) in every command: one line on stderr naming
   * the command and picocli's or the command's message (which names the option, the value and what
   * it accepts), picocli's suggestions for a mistyped name folded into it, and a pointer to
   * {@code --help} instead of the whole usage text; exit code 2 ({@link #EXIT_USAGE}).
   */
  static int badUsage(CommandLine.ParameterException e, String[] args) {
    CommandLine c = e.getCommandLine();
    String command = c.getCommandSpec().qualifiedName();
    StringBuilder line = new StringBuilder(command).append(": ")
        .append(io.kiln.spi.Messages.oneLine(String.valueOf(e.getMessage()).strip()));
    if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
      line.append("; did you mean ").append(String.join(" or ", u.getSuggestions())).append('?');
    }
    line.append(" (see '").append(command).append(" --help')");
    c.getErr().println(line);
    c.getErr().flush();
    return EXIT_USAGE;
  }

  private static String name(Object command) {
    Command c = command.getClass().getAnnotation(Command.class);
    return c == null ? "" : c.name();
  }

  /** The exit code for an exception a command did not handle itself. */
  static int exitCode(Exception e) {
    if (e instanceof io.kiln.record.ResourceNotFoundException) {
      return EXIT_NO_SUCH_JOB;
    }
    return e instanceof io.kiln.spi.KilnException k && k.type() == io.kiln.spi.ErrorType.USER ? EXIT_USAGE
        : EXIT_FAILED;
  }

  private static void listExitCodes(CommandLine cl) {
    cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(EXIT_CODES);
    cl.getSubcommands().values().forEach(Kiln::listExitCodes);
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Kiln.class.getPackage().getImplementationVersion();
      return new String[] {"kiln " + (v == null ? "(development build)" : v)};
    }
  }
}
