package ml.dmlc.xgboost4j.java;

import java.nio.ByteBuffer;

/**
 * For scripts/bench-allreduce only: XGBoost's native collective on a ready direct buffer, without
 * the copies that {@link Communicator#allReduce(float[], Communicator.OpType)} makes around it (into
 * a freshly allocated direct buffer, one {@code putFloat} per element, and back into a new array).
 * It lives in XGBoost's package because the JNI entry point is package-private.
 */
public final class NativeAllReduce {
  private NativeAllReduce() {}

  /**
   * Sums {@code count} native-order floats in {@code buffer} across the workers, in place.
   *
   * @throws XGBoostError when the collective fails
   */
  public static void sum(ByteBuffer buffer, int count) throws XGBoostError {
    XGBoostJNI.checkCall(XGBoostJNI.CommunicatorAllreduce(buffer, count,
        Communicator.DataType.FLOAT32.getEnumOp(), Communicator.OpType.SUM.getOperand()));
  }
}
