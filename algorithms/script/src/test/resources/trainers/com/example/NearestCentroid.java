package com.example;

import io.kiln.algorithms.script.Trainer;
import io.kiln.algorithms.script.TrainerContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A test trainer (compiled by the test, shipped in the source as a jar): nearest centroid. Reads every
 * CSV file of the "train" channel (label first), writes each class's mean feature vector to
 * model/centroids.csv ("label,f1,f2,…", one line per class) and the hyperparameter "note" to
 * model/note.txt. With "wait-for-stop" 1 it waits for a stop instead, then writes model/stopped.txt.
 */
public class NearestCentroid implements Trainer {
  @Override
  public void train(TrainerContext context) throws Exception {
    if (context.intHyperparameter("wait-for-stop", 0) == 1) { // until a stop's SIGTERM, then save and return
      System.out.println("waiting for a stop");
      while (!context.stopRequested()) {
        Thread.sleep(50);
      }
      Files.writeString(context.modelDir().resolve("stopped.txt"), "saved after the stop on " + context.currentHost()
          + "\n");
      return;
    }
    TreeMap<Integer, double[]> sums = new TreeMap<>();
    TreeMap<Integer, Integer> counts = new TreeMap<>();
    List<Path> files = new ArrayList<>();
    try (var s = Files.list(context.channel("train"))) {
      s.filter(p -> p.toString().endsWith(".csv")).sorted().forEach(files::add);
    }
    for (Path f : files) {
      for (String line : Files.readAllLines(f)) {
        if (line.isBlank()) {
          continue;
        }
        String[] v = line.split(",");
        int label = (int) Double.parseDouble(v[0]);
        double[] sum = sums.computeIfAbsent(label, k -> new double[v.length - 1]);
        for (int i = 1; i < v.length; i++) {
          sum[i - 1] += Double.parseDouble(v[i]);
        }
        counts.merge(label, 1, Integer::sum);
      }
    }
    StringBuilder model = new StringBuilder();
    sums.forEach((label, sum) -> {
      model.append(label);
      for (double x : sum) {
        model.append(',').append(x / counts.get(label));
      }
      model.append('\n');
    });
    Files.writeString(context.modelDir().resolve("centroids.csv"), model);
    Files.writeString(context.modelDir().resolve("note.txt"), context.hyperparameter("note", "none") + " rank "
        + context.rank() + " of " + context.worldSize() + " args " + context.arguments() + "\n");
    System.out.println("nearest centroid: " + counts + " rows per class on " + context.currentHost());
    if (context.intHyperparameter("fail", 0) == 1) {
      throw new IllegalStateException("asked to fail after training");
    }
  }
}

/** Not a trainer: naming it as the entry point is a ClientError. */
class NotATrainer {
}
