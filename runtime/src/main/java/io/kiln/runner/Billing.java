package io.kiln.runner;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import org.apache.spark.SparkConf;

/**
 * Training and billable time with SageMaker's meanings, and Kiln's account of executor time.
 *
 * <p>TrainingTimeInSeconds is wall-clock per instance from TrainingStartTime to TrainingEndTime.
 * BillableTimeInSeconds is what an instance is paid for: without spot, the training time; with
 * spot, the time instances ran (waits for capacity excluded) priced at the spot price relative to
 * on-demand, so that savings = 1 - Billable / Training.
 */
final class Billing {
  /** On-demand price per instance-hour, for the spot discount. */
  static final String ON_DEMAND_PRICE = "spark.kiln.billing.on-demand-price-per-hour";
  static final double ON_DEMAND_PRICE_DEFAULT = 1.0;
  /** Spot price per instance-hour. */
  static final String SPOT_PRICE = "spark.kiln.billing.spot-price-per-hour";
  static final double SPOT_PRICE_DEFAULT = 0.3;

  private final boolean spot;
  private final double onDemandPrice;
  private final double spotPrice;
  private double executorSecondsUsed;
  private double executorSecondsLost;
  private double waitingSeconds;
  private int interruptions;

  Billing(boolean spot, SparkConf conf) {
    this.spot = spot;
    this.onDemandPrice = conf.getDouble(ON_DEMAND_PRICE, ON_DEMAND_PRICE_DEFAULT);
    this.spotPrice = conf.getDouble(SPOT_PRICE, SPOT_PRICE_DEFAULT);
  }

  synchronized void ran(int workers, Instant from, Instant to) {
    executorSecondsUsed += workers * seconds(from, to);
  }

  synchronized void interrupted(int workers, Instant workSince, Instant at) {
    interruptions++;
    executorSecondsLost += workers * seconds(workSince, at);
  }

  synchronized void waited(Instant from, Instant to) {
    waitingSeconds += seconds(from, to);
  }

  synchronized long billableSeconds(long trainingSeconds) {
    if (!spot) {
      return trainingSeconds;
    }
    double running = Math.max(1, trainingSeconds - waitingSeconds);
    return Math.max(1, (long) Math.ceil(running * spotPrice / onDemandPrice));
  }

  synchronized ObjectNode toJson(long trainingSeconds, int workers) {
    long billable = billableSeconds(trainingSeconds);
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("OnDemandPricePerInstanceHour", onDemandPrice);
    if (spot) {
      n.put("SpotPricePerInstanceHour", spotPrice);
      n.put("SavingsPercent", Math.round(1000.0 * (1 - (double) billable / trainingSeconds)) / 10.0);
    }
    n.put("Interruptions", interruptions);
    n.put("SecondsWaitingForCapacity", Math.round(waitingSeconds));
    n.put("ExecutorSecondsUsed", Math.round(executorSecondsUsed));
    n.put("ExecutorSecondsLostToInterruptions", Math.round(executorSecondsLost));
    n.put("EstimatedCost", Math.round(100.0 * billable * workers * onDemandPrice / 3600) / 100.0);
    return n;
  }

  private static double seconds(Instant from, Instant to) {
    return Math.max(0, Duration.between(from, to).toMillis() / 1000.0);
  }
}
