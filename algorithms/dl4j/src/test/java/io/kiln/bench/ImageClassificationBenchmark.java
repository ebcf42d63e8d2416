package io.kiln.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.algorithms.vision.VisionJobs;
import io.kiln.algorithms.vision.VisionJobs.Digits;
import io.kiln.algorithms.vision.nets.Nd4jThreads;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.JobBuilder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;

/**
 * scripts/bench-dl4j, Kiln's half: one real Image Classification job (ResNet-20 on the real digit
 * images of {@code ../shared/data/digits.csv.gz}) on one worker of a {@code local[threads]} session,
 * and its seconds per epoch and accuracies as the job log reports them. PyTorch's half
 * ({@code scripts/lib/bench_image_classification.py}) trains the same network on the same files.
 *
 * <p>Data (written once under {@code work/digits-<side>/}, read by both sides): every one of the
 * 1,797 digits as a {@code side}×{@code side} 8-bit gray PNG, {@code train/img-NNNN.png} or, for
 * every fifth image ({@code i % 5 == 4}, as {@code ImageClassificationTest}), {@code validation/...};
 * {@code train_lst/train.lst} and {@code validation_lst/validation.lst} list them (index, label,
 * file) in index order: 1,438 train and 359 validation images. At side 8 the PNGs are the test's
 * bytes ({@link Digits}); at other sides the 8×8 values (0..16) are upscaled bilinearly (pixel
 * centres aligned, the edge pixel repeated outside: the values of PIL's bilinear {@code resize}) and scaled
 * to 0..255.
 *
 * <p>The job: {@code image-classification}, {@code num_layers=20}, {@code image_shape=1,side,side},
 * {@code optimizer=sgd}, {@code learning_rate=0.1}, {@code momentum=0.9},
 * {@code weight_decay=0.0001}, {@code mini_batch_size=32}, {@code epochs}, no augmentation, channels
 * {@code train}, {@code validation}, {@code train_lst}, {@code validation_lst} as local file
 * prefixes ({@code application/x-image}); one worker, whose threads are the session's
 * ({@code local[threads]}; the JVM must also start with {@link Nd4jThreads#environment} for them).
 *
 * <p>Output: the job log's {@code Epoch[n] ...} lines as they are, then one line
 * {@code RESULT <json>}: {@code epoch_seconds} (the log's {@code Epoch[n] Time cost}: the epoch's
 * training steps and the validation pass), {@code validation_accuracy} and {@code train_accuracy}
 * per epoch, {@code job_seconds} (the runner's whole job: reading and decoding the images, all
 * epochs, checkpoints, model.tar.gz), {@code threads} (ND4J's limits after the job) and
 * {@code natives} (JavaCPP's platform extension and DL4J's helper switch as this JVM has them: ND4J loads
 * whichever natives the class path holds, and scripts/bench-dl4j passes the oneDNN build's two
 * properties, as the module's {@code Nd4jNatives} sets them, when that build is on it).
 *
 * <p>Arguments: work directory, epochs (0: only write the images), threads, image side.
 */
public final class ImageClassificationBenchmark {
  private static final Pattern EPOCH_LINE = Pattern.compile(
      "Epoch\\[(\\d+)] (Time cost|Validation-accuracy|Train-accuracy)=([0-9.eE+-]+)");

  private ImageClassificationBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int epochs = Integer.parseInt(args[1]);
    int threads = Integer.parseInt(args[2]);
    int side = Integer.parseInt(args[3]);
    Path data = writeDigits(work.resolve("digits-" + side), side);
    if (epochs == 0) {
      return;
    }

    SparkSession spark = SparkSession.builder().master("local[" + threads + "]").appName("bench-dl4j")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.kiln.job-root", work.resolve("jobs").toUri().toString())
        .config("spark.kiln.heartbeat.interval-seconds", "10")
        .getOrCreate();
    String name = "bench-dl4j-" + side + "-" + System.currentTimeMillis();
    JobBuilder job = JobBuilder.named(name).algorithm("image-classification")
        .outputPath(work.resolve("out").toUri().toString()).workers(1).coresPerWorker(threads)
        .hyperparameters(hyperparameters(epochs, side));
    for (String channel : List.of("train", "validation", "train_lst", "validation_lst")) {
      job.channel(channel, data.resolve(channel).toUri().toString().replaceFirst("/?$", "/"), "application/x-image");
    }
    TrainingJobRunner runner = TrainingJobRunner.on(spark);
    long t0 = System.nanoTime();
    JobResult result = runner.run(job.build());
    double jobSeconds = (System.nanoTime() - t0) / 1e9;
    String log = runner.store().readLog(name).orElse("");
    if (result.exitCode() != 0) {
      System.err.println(log);
      throw new IllegalStateException("Kiln job " + name + " failed: " + result.failureReason());
    }

    Map<Integer, double[]> byEpoch = new TreeMap<>(); // time cost, validation, train
    for (String line : log.split("\n")) {
      Matcher m = EPOCH_LINE.matcher(line);
      if (!m.find()) {
        continue;
      }
      System.out.println(line);
      double[] v = byEpoch.computeIfAbsent(Integer.parseInt(m.group(1)), e -> new double[] {Double.NaN, Double.NaN,
          Double.NaN});
      double value = Double.parseDouble(m.group(3));
      switch (m.group(2)) {
        case "Time cost" -> v[0] = value;
        case "Validation-accuracy" -> v[1] = value;
        default -> v[2] = value;
      }
    }
    if (byEpoch.size() != epochs) {
      throw new IllegalStateException("the job log of " + name + " has Epoch lines for " + byEpoch.size()
          + " epochs, not " + epochs + ":\n" + log);
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode out = json.createObjectNode();
    ArrayNode seconds = out.putArray("epoch_seconds");
    ArrayNode validation = out.putArray("validation_accuracy");
    ArrayNode train = out.putArray("train_accuracy");
    byEpoch.values().forEach(v -> {
      seconds.add(v[0]);
      validation.add(v[1]);
      train.add(v[2]);
    });
    out.put("job_seconds", Math.round(jobSeconds * 1000) / 1000.0);
    Nd4jThreads.Limits limits = Nd4jThreads.current();
    out.put("threads", String.format(Locale.ROOT, "pool %d, master %d, OpenMP %d, BLAS %d", limits.maxThreads(),
        limits.maxMasterThreads(), limits.ompMaxThreads(), limits.blasMaxThreads()));
    out.put("natives", "platform.extension=" + System.getProperty("org.bytedeco.javacpp.platform.extension", "")
        + " helpers.disable=" + System.getProperty("org.eclipse.deeplearning4j.helpers.disable", "(unset: true)"));
    out.put("job", name);
    System.out.println("RESULT " + json.writeValueAsString(out));
    System.out.flush();
    spark.stop();
    System.exit(0);
  }

  /** The job's hyperparameters (see the class comment). */
  static Map<String, String> hyperparameters(int epochs, int side) {
    Map<String, String> hp = new TreeMap<>();
    hp.put("num_classes", "10");
    hp.put("num_training_samples", "1438");
    hp.put("num_layers", "20");
    hp.put("image_shape", "1," + side + "," + side);
    hp.put("epochs", Integer.toString(epochs));
    hp.put("mini_batch_size", "32");
    hp.put("optimizer", "sgd");
    hp.put("learning_rate", "0.1");
    hp.put("momentum", "0.9");
    hp.put("weight_decay", "0.0001");
    return hp;
  }

  /**
   * Writes the digit images and lists under {@code dir} unless its lists exist already (see the
   * class comment); returns {@code dir}.
   */
  static Path writeDigits(Path dir, int side) throws IOException {
    Path trainList = dir.resolve("train_lst/train.lst");
    Path validationList = dir.resolve("validation_lst/validation.lst");
    if (Files.exists(trainList) && Files.exists(validationList)) {
      return dir;
    }
    Digits digits = Digits.load();
    for (String d : List.of("train", "validation", "train_lst", "validation_lst")) {
      Files.createDirectories(dir.resolve(d));
    }
    List<String> train = new ArrayList<>();
    List<String> validation = new ArrayList<>();
    for (int i = 0; i < digits.size(); i++) {
      boolean held = i % 5 == 4;
      String file = String.format(Locale.ROOT, "img-%04d.png", i);
      byte[] png = side == 8 ? digits.pngs.get(i) : VisionJobs.png(upscale(digits.pixels.get(i), side));
      Files.write(dir.resolve(held ? "validation" : "train").resolve(file), png);
      (held ? validation : train).add(i + "\t" + digits.labels.get(i) + ".0\t" + file);
    }
    // the lists last: their presence says the images are complete
    Files.write(validationList, (String.join("\n", validation) + "\n").getBytes(StandardCharsets.UTF_8));
    Files.write(trainList, (String.join("\n", train) + "\n").getBytes(StandardCharsets.UTF_8));
    return dir;
  }

  /**
   * An 8×8 digit (64 values 0..16, row-major) as a {@code side}×{@code side} gray image: bilinear,
   * source coordinate {@code (x + 0.5) * 8 / side - 0.5} clamped to the image, scaled to 0..255 and
   * rounded.
   */
  static BufferedImage upscale(float[] pixels, int side) {
    BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < side; y++) {
      double sy = Math.min(7, Math.max(0, (y + 0.5) * 8 / side - 0.5));
      int y0 = (int) Math.floor(sy);
      int y1 = Math.min(7, y0 + 1);
      double fy = sy - y0;
      for (int x = 0; x < side; x++) {
        double sx = Math.min(7, Math.max(0, (x + 0.5) * 8 / side - 0.5));
        int x0 = (int) Math.floor(sx);
        int x1 = Math.min(7, x0 + 1);
        double fx = sx - x0;
        double top = pixels[y0 * 8 + x0] * (1 - fx) + pixels[y0 * 8 + x1] * fx;
        double bottom = pixels[y1 * 8 + x0] * (1 - fx) + pixels[y1 * 8 + x1] * fx;
        double v = (top * (1 - fy) + bottom * fy) * 255 / 16;
        img.getRaster().setSample(x, y, 0, (int) Math.round(Math.min(255, Math.max(0, v))));
      }
    }
    return img;
  }
}
