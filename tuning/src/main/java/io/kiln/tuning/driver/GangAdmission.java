package io.kiln.tuning.driver;

import java.util.function.IntSupplier;

/**
 * Starts a trial only when every one of its barrier tasks can run at once. A barrier stage needs
 * all its slots together; two distributed trials that each got some of their slots would wait on
 * each other for ever. Admission counts the slots running trials hold against the cluster's and
 * admits a trial only when its whole gang fits.
 */
final class GangAdmission {
  private final IntSupplier clusterSlots;
  private int held;

  GangAdmission(IntSupplier clusterSlots) {
    this.clusterSlots = clusterSlots;
  }

  /** Takes {@code workers} slots if they are all free now. */
  synchronized boolean tryAcquire(int workers) {
    if (clusterSlots.getAsInt() - held >= workers) {
      held += workers;
      return true;
    }
    return false;
  }

  synchronized void release(int workers) {
    held = Math.max(0, held - workers);
  }

  synchronized int held() {
    return held;
  }
}
