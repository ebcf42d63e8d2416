package io.kiln.algorithms.xgboost;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import ml.dmlc.xgboost4j.java.Communicator;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Sums across the workers of XGBoost's collective (after {@code Communicator.init}), in doubles:
 * xgboost4j's public {@code Communicator.allReduce} takes floats only, whose sums lose the exactness
 * of counts beyond 2^24 and of error sums; its native call takes any type, so this calls it with
 * {@code FLOAT64}.
 */
final class NativeCollective {
  private static final Method ALLREDUCE;
  private static final Method LAST_ERROR;

  static {
    try {
      // xgboost4j's JNI class is package-private; its methods are what Communicator itself calls
      Class<?> jni = Class.forName("ml.dmlc.xgboost4j.java.XGBoostJNI");
      ALLREDUCE = jni.getDeclaredMethod("CommunicatorAllreduce", ByteBuffer.class, int.class, int.class, int.class);
      ALLREDUCE.setAccessible(true);
      LAST_ERROR = jni.getDeclaredMethod("XGBGetLastError");
      LAST_ERROR.setAccessible(true);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private NativeCollective() {}

  /**
   * Element-wise sum of {@code values} over every worker; every worker gets the same result.
   *
   * @throws KilnException ALGORITHM when XGBoost's collective fails
   */
  static double[] sum(double[] values) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(8 * values.length).order(ByteOrder.nativeOrder());
    for (double v : values) {
      buffer.putDouble(v);
    }
    buffer.flip();
    try {
      int rc = (Integer) ALLREDUCE.invoke(null, buffer, values.length, Communicator.DataType.FLOAT64.getEnumOp(),
          Communicator.OpType.SUM.getOperand());
      if (rc != 0) {
        throw NativeErrors.translate(new XGBoostError((String) LAST_ERROR.invoke(null)));
      }
    } catch (ReflectiveOperationException e) {
      throw new KilnException(ErrorType.ALGORITHM, "Cannot call XGBoost's allreduce: " + e, e);
    }
    double[] out = new double[values.length];
    buffer.asDoubleBuffer().get(out);
    return out;
  }
}
