package io.kiln.cli;

import io.kiln.runner.JobListener;
import io.kiln.record.SecondaryStatus;
import java.io.PrintWriter;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What {@code kiln train} shows while a job runs: on a terminal, a progress bar over the rounds with
 * the latest metrics; otherwise plain lines (each status change, and rounds at most once a second).
 */
final class ProgressLine implements JobListener, AutoCloseable {
  private final String job;
  private final PrintWriter out;
  private final boolean terminal;
  private ProgressBar bar;
  private long lastPrinted;
  private String pendingRound;

  ProgressLine(String job, PrintWriter out, boolean terminal) {
    this.job = job;
    this.out = out;
    this.terminal = terminal;
  }

  @Override
  public synchronized void onTransition(SecondaryStatus status, String message) {
    if (bar != null && status != SecondaryStatus.Training) {
      bar.close();
      bar = null;
    }
    if (pendingRound != null) {
      out.println(pendingRound);
      pendingRound = null;
    }
    out.println(job + " [" + status + "] " + message);
    out.flush();
  }

  @Override
  public synchronized void onRound(int round, int plannedRounds, Map<String, Double> metrics) {
    String text = metricsText(metrics);
    if (terminal && plannedRounds > 0) {
      if (bar == null) {
        bar = new ProgressBarBuilder().setTaskName(job).setInitialMax(plannedRounds)
            .setStyle(ProgressBarStyle.ASCII).setUnit(" rounds", 1).continuousUpdate().build();
      }
      bar.stepTo(round + 1);
      bar.setExtraMessage(text);
      return;
    }
    long now = System.currentTimeMillis();
    String line = job + " round " + (round + 1) + (plannedRounds > 0 ? "/" + plannedRounds : "") + " " + text;
    if (now - lastPrinted >= 1000 || round + 1 == plannedRounds) {
      lastPrinted = now;
      pendingRound = null;
      out.println(line);
      out.flush();
    } else {
      pendingRound = line;
    }
  }

  @Override
  public synchronized void onNotice(String message) {
    out.println(job + " notice: " + message);
    out.flush();
  }

  private static String metricsText(Map<String, Double> metrics) {
    StringBuilder b = new StringBuilder();
    metrics.forEach((k, v) -> {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(k).append('=').append(String.format("%.5g", v));
    });
    return b.toString();
  }

  @Override
  public synchronized void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
