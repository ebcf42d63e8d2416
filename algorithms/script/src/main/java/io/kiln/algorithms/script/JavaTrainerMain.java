package io.kiln.algorithms.script;

import java.lang.reflect.Constructor;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code main} of a Java trainer's process: {@code java -cp <source jars>:<kiln-script> 
 * io.kiln.algorithms.script.JavaTrainerMain <class> <arguments…>}, started by each worker of a script
 * job whose entry point is {@code java:<class>} ({@link EntryPoint}). Loads the class, builds its
 * {@link TrainerContext} from the contract's variables and files, and calls {@link Trainer#train}.
 *
 * <p>Exit codes: 0 when {@code train} returns; 1 when it throws (the exception's description is the
 * last stderr line, which the worker puts in the job's FailureReason); 2 when the class cannot be used
 * as a trainer, after writing {@code ClientError: …} to {@code output/failure} (a user's mistake). On
 * SIGTERM (a stop) a shutdown hook sets {@link TrainerContext#stopRequested()} and waits for
 * {@code train} to return before the JVM exits.
 */
public final class JavaTrainerMain {
  private JavaTrainerMain() {}

  /**
   * @param args the trainer's class name, then its arguments
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: JavaTrainerMain <trainer class> [arguments…]");
      System.exit(2);
    }
    String className = args[0];
    Path root = Path.of(System.getenv().getOrDefault("SAGEMAKER_BASE_DIR", "."));
    Trainer trainer;
    try {
      trainer = instantiate(className);
    } catch (IllegalArgumentException e) {
      String line = "ClientError: " + e.getMessage();
      Files.writeString(root.resolve("output/failure"), line + "\n", StandardCharsets.UTF_8);
      System.err.println(line);
      System.exit(2);
      return;
    }
    CountDownLatch done = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.set(true);
      try {
        done.await(); // the worker sends SIGKILL after the stop's grace period
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "kiln-trainer-stop"));
    List<String> rest = Arrays.asList(args).subList(1, args.length);
    int code;
    try {
      trainer.train(TrainerContext.fromEnvironment(System.getenv(), rest, stop::get));
      code = 0;
    } catch (Throwable t) {
      t.printStackTrace();
      System.out.flush();
      System.err.println(t); // the last stderr line: the FailureReason's ErrorMessage
      code = 1;
    } finally {
      done.countDown();
    }
    System.out.flush();
    System.err.flush();
    if (!stop.get()) {
      System.exit(code); // ends non-daemon threads the trainer left, as a script's end does
    }
  }

  /**
   * A new instance of the named trainer class.
   *
   * @throws IllegalArgumentException naming the class and what is wrong with it (not found, not a
   *     {@link Trainer}, no public no-argument constructor)
   */
  static Trainer instantiate(String className) {
    String field = "algorithm.entryPoint java:" + className + " (hyperparameter sagemaker_program)";
    Class<?> c;
    try {
      c = Class.forName(className, false, JavaTrainerMain.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalArgumentException("The trainer class " + className + " of " + field + " cannot be loaded from "
          + "the source's jars (" + e + "); put the jar holding it at the source's root");
    }
    if (!Trainer.class.isAssignableFrom(c)) {
      throw new IllegalArgumentException("The class " + className + " of " + field + " does not implement "
          + Trainer.class.getName() + "; implement its train(TrainerContext) method");
    }
    try {
      Constructor<?> k = c.getConstructor();
      if (Modifier.isAbstract(c.getModifiers())) {
        throw new NoSuchMethodException("abstract");
      }
      return (Trainer) k.newInstance();
    } catch (NoSuchMethodException | IllegalAccessException | InstantiationException e) {
      throw new IllegalArgumentException("The trainer class " + className + " of " + field + " needs to be a public, "
          + "non-abstract class with a public no-argument constructor");
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw new IllegalStateException("The trainer class " + className + "'s constructor threw " + e.getCause(),
          e.getCause()); // the trainer's own failure: exit 1, an AlgorithmError
    }
  }
}
