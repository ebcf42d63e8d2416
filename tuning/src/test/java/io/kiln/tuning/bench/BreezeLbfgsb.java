package io.kiln.tuning.bench;

import breeze.linalg.DenseVector;
import breeze.optimize.DiffFunction;
import breeze.optimize.FirstOrderMinimizer;
import breeze.optimize.LBFGSB;
import io.kiln.tuning.strategy.gp.BoxMinimizer;
import io.kiln.tuning.strategy.gp.Lbfgs;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.util.function.Function;
import org.apache.xbean.asm9.ClassWriter;
import org.apache.xbean.asm9.MethodVisitor;
import org.apache.xbean.asm9.Opcodes;
import scala.Tuple2;

/**
 * Breeze's bounded L-BFGS ({@code breeze.optimize.LBFGSB}, Breeze 2.1.0 as Spark 3.5's jars/ ship it
 * through spark-mllib) behind Kiln's {@link BoxMinimizer}, for {@code scripts/bench-lbfgs}.
 *
 * <p>How Kiln's stopping rules map: iterations and the history length (8, Kiln's) carry over; Breeze
 * has a single {@code tolerance}, used both as a relative tolerance on the change of f over its last
 * iterations and on the gradient norm, given Kiln's value tolerance; its projected-gradient test is
 * fixed at 1e-5. Breeze has no largest step (its strong-Wolfe line search starts at step 1, cut at
 * the first bound), so {@code maxStep} is ignored. Where f is infinite or NaN Breeze's line search
 * fails; Breeze then resets its history once and gives up the second time, returning its last point.
 * The point Breeze returns is its last iterate; the value returned is f there.
 *
 * <p>Breeze's {@code LBFGS} (unbounded) is not a candidate: both of the tuner's searches are over a box
 * (log hyperparameters within their bounds, the unit cube), and Breeze's bounded variant is LBFGSB.
 */
public final class BreezeLbfgsb implements BoxMinimizer {
  /** Kiln's history length (Lbfgs.MEMORY), so both keep the same number of correction pairs. */
  private static final int MEMORY = 8;

  private final int maxIterations;
  private final double tolerance;

  /** Same arguments as {@link Lbfgs#Lbfgs}; see the class comment for how each maps. */
  public BreezeLbfgsb(int maxIterations, double gradientTolerance, double valueTolerance, double maxStep) {
    this.maxIterations = maxIterations;
    this.tolerance = valueTolerance;
  }

  @Override
  public Lbfgs.Result minimize(Lbfgs.Objective f, double[] start, double[] lower, double[] upper) {
    int n = start.length;
    double[] x0 = new double[n];
    for (int i = 0; i < n; i++) {
      x0[i] = Math.max(lower[i], Math.min(upper[i], start[i]));
    }
    int[] evaluations = {0};
    DiffFunction<DenseVector<Object>> function = Objective.of(f, evaluations);
    if (maxIterations == 0) {
      double[] gradient = new double[n];
      return new Lbfgs.Result(x0, f.evaluate(x0, gradient), 1);
    }
    LBFGSB lbfgsb = new LBFGSB(vector(lower.clone()), vector(upper.clone()), maxIterations, MEMORY, tolerance, 64, 64);
    FirstOrderMinimizer.State<DenseVector<Object>, Object, Object> state =
        lbfgsb.minimizeAndReturnState(function, vector(x0));
    return new Lbfgs.Result(toArray(state.x()), state.value(), evaluations[0]);
  }

  /**
   * Kiln's objective as a Breeze {@code DiffFunction}: value and analytic gradient both come from it.
   *
   * <p>javac cannot compile any class that implements that Scala trait (it inherits both {@code double
   * apply(T)} and Function1's {@code Object apply(T)}, and NumericOps' generic operators, whose
   * bridges only scalac writes). So the class is written once at run time, with the ASM that Spark
   * ships (xbean-asm9-shaded): a subclass of Breeze's concrete {@code ApproximateGradientFunction}
   * (for its scalac-written bridges) whose {@code calculate}, {@code valueAt} and {@code gradientAt}
   * call a {@link Function} of a point to its (value, gradient); the finite-difference machinery of
   * the superclass, whose implicits are null here, is never reached.
   */
  private static final class Objective {
    private static final Constructor<?> CONSTRUCTOR = define();

    private Objective() {
    }

    @SuppressWarnings("unchecked")
    static DiffFunction<DenseVector<Object>> of(Lbfgs.Objective f, int[] evaluations) {
      Function<DenseVector<Object>, Tuple2<Object, DenseVector<Object>>> calculate = x -> {
        double[] gradient = new double[x.length()];
        double value = f.evaluate(toArray(x), gradient);
        evaluations[0]++;
        return new Tuple2<>(value, vector(gradient));
      };
      try {
        return (DiffFunction<DenseVector<Object>>) CONSTRUCTOR.newInstance(calculate);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot make Breeze's DiffFunction: " + e, e);
      }
    }

    private static Constructor<?> define() {
      String name = "io/kiln/tuning/bench/BreezeLbfgsb$GeneratedDiffFunction";
      String parent = "breeze/optimize/ApproximateGradientFunction";
      String function = "java/util/function/Function";
      String tuple = "scala/Tuple2";
      ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_MAXS);
      w.visit(Opcodes.V11, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, name, null, parent, null);
      w.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "calculate", "L" + function + ";", null, null).visitEnd();

      MethodVisitor m = w.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "(L" + function + ";)V", null, null);
      m.visitCode();
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitInsn(Opcodes.ACONST_NULL);
      m.visitInsn(Opcodes.DCONST_0);
      m.visitInsn(Opcodes.ACONST_NULL);
      m.visitInsn(Opcodes.ACONST_NULL);
      m.visitInsn(Opcodes.ACONST_NULL);
      m.visitMethodInsn(Opcodes.INVOKESPECIAL, parent, "<init>", "(Lscala/Function1;DLbreeze/linalg/support/"
          + "CanCreateZerosLike;Lscala/Predef$$less$colon$less;Lbreeze/linalg/support/CanCopy;)V", false);
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitFieldInsn(Opcodes.PUTFIELD, name, "calculate", "L" + function + ";");
      m.visitInsn(Opcodes.RETURN);
      m.visitMaxs(0, 0);
      m.visitEnd();

      m = w.visitMethod(Opcodes.ACC_PUBLIC, "calculate", "(Ljava/lang/Object;)L" + tuple + ";", null, null);
      m.visitCode();
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitFieldInsn(Opcodes.GETFIELD, name, "calculate", "L" + function + ";");
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitMethodInsn(Opcodes.INVOKEINTERFACE, function, "apply", "(Ljava/lang/Object;)Ljava/lang/Object;", true);
      m.visitTypeInsn(Opcodes.CHECKCAST, tuple);
      m.visitInsn(Opcodes.ARETURN);
      m.visitMaxs(0, 0);
      m.visitEnd();

      m = w.visitMethod(Opcodes.ACC_PUBLIC, "valueAt", "(Ljava/lang/Object;)D", null, null);
      m.visitCode();
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, name, "calculate", "(Ljava/lang/Object;)L" + tuple + ";", false);
      m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, tuple, "_1", "()Ljava/lang/Object;", false);
      m.visitMethodInsn(Opcodes.INVOKESTATIC, "scala/runtime/BoxesRunTime", "unboxToDouble", "(Ljava/lang/Object;)D",
          false);
      m.visitInsn(Opcodes.DRETURN);
      m.visitMaxs(0, 0);
      m.visitEnd();

      m = w.visitMethod(Opcodes.ACC_PUBLIC, "gradientAt", "(Ljava/lang/Object;)Ljava/lang/Object;", null, null);
      m.visitCode();
      m.visitVarInsn(Opcodes.ALOAD, 0);
      m.visitVarInsn(Opcodes.ALOAD, 1);
      m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, name, "calculate", "(Ljava/lang/Object;)L" + tuple + ";", false);
      m.visitMethodInsn(Opcodes.INVOKEVIRTUAL, tuple, "_2", "()Ljava/lang/Object;", false);
      m.visitInsn(Opcodes.ARETURN);
      m.visitMaxs(0, 0);
      m.visitEnd();
      w.visitEnd();
      try {
        Class<?> c = MethodHandles.lookup().defineClass(w.toByteArray());
        return c.getConstructor(Function.class);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot define Breeze's DiffFunction adapter: " + e, e);
      }
    }
  }

  private static DenseVector<Object> vector(double[] values) {
    return new breeze.linalg.DenseVector$mcD$sp(values);
  }

  private static double[] toArray(DenseVector<Object> x) {
    int n = x.length();
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = (Double) x.apply(i);
    }
    return out;
  }
}
