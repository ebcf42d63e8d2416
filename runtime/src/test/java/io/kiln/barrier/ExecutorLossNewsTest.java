package io.kiln.barrier;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import org.junit.jupiter.api.Test;

/**
 * Which first errors of a failed barrier stage make the driver wait for news of a lost executor
 * before it classifies the failure: a survivor of a SIGKILLed peer reports an INTERNAL collective
 * error (the peer closed its connection) before Spark hears the executor is gone, and that must
 * count as lost capacity, not as the job's failure.
 */
class ExecutorLossNewsTest {
  @Test
  void aPeersClosedConnectionOrAForeignErrorMayBeALostExecutor() {
    assertThat(BarrierRunner.mayBeExecutorLoss(null)).isTrue();
    assertThat(BarrierRunner.mayBeExecutorLoss(new java.io.IOException("Connection reset by peer"))).isTrue();
    KilnException closed = new KilnException(ErrorType.INTERNAL, "Worker 1's all-reduce failed: worker 0 at 127.0.0.1:44331 "
        + "closed its connection (it failed, was stopped or its executor was lost)");
    assertThat(BarrierRunner.mayBeExecutorLoss(closed)).isTrue();
    // as Spark hands it over: the task's exception wrapped in its own
    assertThat(BarrierRunner.mayBeExecutorLoss(new RuntimeException("Task failed", closed))).isTrue();
  }

  @Test
  void aWorkersOwnUserOrAlgorithmErrorIsItsVerdict() {
    assertThat(BarrierRunner.mayBeExecutorLoss(KilnException.user("data.csv line 3: 'x' is not a number")))
        .isFalse();
    assertThat(BarrierRunner.mayBeExecutorLoss(new RuntimeException("Task failed",
        new KilnException(ErrorType.ALGORITHM, "ExecuteUserScriptError: ExitCode 1")))).isFalse();
  }
}
