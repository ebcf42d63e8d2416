package io.kiln.algorithms.script;

import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import io.kiln.spi.ScriptSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarInputStream;
import java.util.zip.ZipEntry;

/**
 * The command a script job's worker starts, by kind of entry point:
 *
 * <ul>
 *   <li>a file of the source ({@code train.py}, {@code train.sh}): {@code <interpreter> <entryPoint>
 *       <arguments…>}, the interpreter {@code python3} by default ({@code /bin/sh} or {@code bash} run a
 *       shell script, so no separate shell-command field is needed);
 *   <li>a Java trainer, {@code java:<class>} ({@link ScriptSpec#JAVA_PREFIX}): {@code <java> -cp <the
 *       source's root *.jar files>:<kiln-script and Jackson> io.kiln.algorithms.script.JavaTrainerMain
 *       <class> <arguments…>} in its own JVM ({@link Trainer} says why); {@code java} is the worker JVM's
 *       own unless {@code algorithm.interpreter} names another.
 * </ul>
 *
 * The hyperparameters' {@code --key value} pairs follow in each case. A SageMaker request's
 * {@code ContainerEntrypoint} (and {@code ContainerArguments}) replace all of it, as they replace a
 * container's ENTRYPOINT and CMD: {@code <ContainerEntrypoint…> <ContainerArguments…>}, no
 * hyperparameter arguments (SageMaker's toolkit, which adds them, is what an ENTRYPOINT replaces).
 */
final class EntryPoint {
  private EntryPoint() {}

  /**
   * Checked on the driver before any worker starts: a file entry point is a file of the source; a Java
   * trainer's class is in one of the jars at the source's root.
   *
   * @throws KilnException USER naming the entry point in both spellings and what the source holds
   */
  static void check(ScriptSpec script, SourceCode source) {
    if (!script.containerEntrypoint().isEmpty()) {
      return; // the container's command runs instead; sagemaker_program is only a hyperparameter then
    }
    Optional<String> java = script.javaClass();
    if (java.isEmpty()) {
      if (!source.files().containsKey(script.entryPoint())) {
        throw KilnException.user("The entry point '" + script.entryPoint() + "' (algorithm.entryPoint, hyperparameter "
            + ScriptSpec.PROGRAM + ") is not in the source " + source.uri() + ", which holds: "
            + Messages.echo(String.join(", ", source.names())));
      }
      return;
    }
    String entry = java.get().replace('.', '/') + ".class";
    List<String> jars = jars(source.files().keySet());
    for (String jar : jars) {
      if (jarHolds(source.files().get(jar), entry)) {
        return;
      }
    }
    throw KilnException.user("The Java trainer class " + java.get() + " (algorithm.entryPoint " + script.entryPoint()
        + ", hyperparameter " + ScriptSpec.PROGRAM + ") is in none of the jars at the root of the source "
        + source.uri() + (jars.isEmpty() ? ", which holds no .jar file" : " (" + Messages.echo(String.join(", ", jars))
        + ")") + "; add the jar holding " + entry + " to the source's root");
  }

  /** What runs, for the job log: {@code python3 train.py}, {@code Java trainer com.example.Train}, or the container command. */
  static String describe(ScriptSpec script) {
    if (!script.containerEntrypoint().isEmpty()) {
      List<String> words = new ArrayList<>(script.containerEntrypoint());
      words.addAll(script.containerArguments());
      return "ContainerEntrypoint/ContainerArguments " + String.join(" ", words);
    }
    return script.javaClass().map(c -> "Java trainer " + c).orElse(script.interpreter() + " " + script.entryPoint());
  }

  /** The source's jar files at its root, in name order. */
  static List<String> jars(java.util.Collection<String> names) {
    return names.stream().filter(n -> n.endsWith(".jar") && !n.contains("/")).sorted().toList();
  }

  private static boolean jarHolds(byte[] jar, String entry) {
    try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.getName().equals(entry)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false; // not a readable jar: it holds nothing
    }
  }

  /**
   * The command a worker runs, its source unpacked in {@code codeDir}.
   *
   * @param path the PATH the interpreter is searched on
   * @param host the worker's host, for messages
   * @param userArgs the hyperparameters' {@code --key value} pairs
   * @throws KilnException USER when the interpreter is missing or the entry point is not a file
   */
  static List<String> command(ScriptSpec script, String path, String host, Path codeDir, String sourceUri,
      List<String> userArgs) {
    List<String> command = new ArrayList<>();
    Optional<String> java = script.javaClass();
    if (!script.containerEntrypoint().isEmpty()) {
      command.add(containerProgram(script.containerEntrypoint().get(0), path, host, codeDir));
      command.addAll(script.containerEntrypoint().subList(1, script.containerEntrypoint().size()));
      command.addAll(script.containerArguments());
      return command; // replaces the toolkit's command: no hyperparameter arguments
    }
    if (java.isPresent()) {
      command.add(script.interpreter().equals(ScriptSpec.DEFAULT_INTERPRETER)
          ? Path.of(System.getProperty("java.home"), "bin", "java").toString()
          : ScriptWorker.resolveInterpreter(script.interpreter(), path, host));
      command.add("-cp");
      command.add(javaClasspath(codeDir));
      command.add(JavaTrainerMain.class.getName());
      command.add(java.get());
    } else {
      command.add(ScriptWorker.resolveInterpreter(script.interpreter(), path, host));
      Path entry = codeDir.resolve(script.entryPoint()).normalize();
      if (!entry.startsWith(codeDir) || !Files.isRegularFile(entry)) {
        throw KilnException.user("The entry point '" + script.entryPoint() + "' (algorithm.entryPoint, hyperparameter "
            + "sagemaker_program) is not a file in the source " + sourceUri);
      }
      command.add(script.entryPoint());
    }
    command.addAll(script.arguments());
    command.addAll(userArgs);
    return command;
  }

  /**
   * ContainerEntrypoint's program: an absolute path or a name on the PATH (as an interpreter is found),
   * or a path with a {@code /} inside the source's code directory (the working directory).
   *
   * @throws KilnException USER naming the field, the program and the worker when it is not an
   *     executable file
   */
  static String containerProgram(String program, String path, String host, Path codeDir) {
    if (program.startsWith("/") || !program.contains("/")) {
      try {
        return ScriptWorker.resolveInterpreter(program, path, host);
      } catch (KilnException e) {
        throw KilnException.user("AlgorithmSpecification.ContainerEntrypoint[0] (algorithm.containerEntrypoint[0]) "
            + "'" + Messages.echo(program) + "' is not an executable file " + (program.startsWith("/") ? "" : "on the "
            + "PATH (" + Messages.echo(path) + ") ") + "of worker " + host + "; install it on every worker or name "
            + "another");
      }
    }
    Path p = codeDir.resolve(program).normalize();
    if (!p.startsWith(codeDir) || !Files.isRegularFile(p) || !Files.isExecutable(p)) {
      throw KilnException.user("AlgorithmSpecification.ContainerEntrypoint[0] (algorithm.containerEntrypoint[0]) '"
          + Messages.echo(program) + "' is not an executable file of the source on worker " + host + "; mark it "
          + "executable in the source archive or run it through an interpreter ([/bin/sh, " + program + "])");
    }
    return p.toString();
  }

  /**
   * A Java trainer's class path: the source's root jars (name order, so the user's classes come
   * first), then where this worker loaded {@link Trainer} from (the kiln-script jar, or its classes
   * directory in a build) and Jackson, which {@link TrainerContext} reads the contract with.
   */
  static String javaClasspath(Path codeDir) {
    LinkedHashSet<String> entries = new LinkedHashSet<>();
    try (var files = Files.list(codeDir)) {
      jars(files.map(p -> p.getFileName().toString()).toList()).forEach(j -> entries.add(codeDir.resolve(j).toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Class<?> c : List.of(Trainer.class, com.fasterxml.jackson.databind.ObjectMapper.class,
        com.fasterxml.jackson.core.JsonFactory.class, com.fasterxml.jackson.annotation.JsonProperty.class)) {
      entries.add(location(c));
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  private static String location(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("cannot find where " + c.getName() + " was loaded from", e);
    }
  }
}
