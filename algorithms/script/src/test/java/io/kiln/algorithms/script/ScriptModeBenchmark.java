package io.kiln.algorithms.script;

import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.SharedData;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * scripts/bench-script-mode: the same DDP script ({@code scripts/ddp_digits.py}, softmax regression
 * on the digits set, full batch, gloo) run by Kiln as a 2-worker script job on local Spark
 * ({@code local[2]}, the test S3 server) and by torchrun ({@code /usr/bin/python3 -m
 * torch.distributed.run --nnodes 1 --nproc_per_node 2}) on the same two shards, alternately,
 * {@code reps} times each after one Kiln job that warms the JVM up (not counted).
 *
 * <p>Per run: the wall time (Kiln: {@code TrainingJobRunner.run} from call to return, the job
 * Completed with its model uploaded; torchrun: process start to exit); the start overhead (start to
 * the script's first line, the earliest {@code KILN-FIRST-LINE} epoch time of the ranks) and the end
 * overhead (the latest {@code KILN-LAST-LINE} to the end). Prints the medians and Kiln/torchrun
 * ratios as a Markdown table.
 *
 * <p>Args: {@code workDir reps epochs}. torchrun gets {@code --redirects 9:1 --tee 9:1}: Debian's
 * torch 1.13 under Python 3.11 fails on the defaults ({@code Std.from_str("0")} finds no member);
 * a mapping for local rank 9, which does not exist with 2 processes, leaves ranks 0 and 1 as the
 * default would.
 */
public final class ScriptModeBenchmark {
  private ScriptModeBenchmark() {}

  /** One run's figures, seconds. */
  record Run(double wall, double startOverhead, double endOverhead) {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args.length > 0 ? args[0] : "/tmp/kiln-bench-script-mode");
    int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    Files.createDirectories(work);
    List<String> rows = SharedData.digits();
    List<String> train = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      if (i % 5 != 0) {
        train.add(rows.get(i));
      }
    }
    String half0 = String.join("\n", train.subList(0, 718)) + "\n";
    String half1 = String.join("\n", train.subList(718, 1436)) + "\n";
    // torchrun's inputs: the script and one directory per rank
    Path code = work.resolve("code");
    Files.createDirectories(code);
    Files.writeString(code.resolve("ddp_digits.py"), ScriptJobs.resource("scripts/ddp_digits.py"));
    for (int r = 0; r < 2; r++) {
      Path d = work.resolve("shard-" + r);
      Files.createDirectories(d);
      Files.writeString(d.resolve("part-" + r + ".csv"), r == 0 ? half0 : half1);
    }
    // Kiln's: the same shards as a ShardedByS3Key channel
    ScriptJobs.spark();
    ScriptJobs.put("bench/digits/part-0.csv", half0);
    ScriptJobs.put("bench/digits/part-1.csv", half1);
    String source = ScriptJobs.put("bench/src/sourcedir.tar.gz",
        ScriptJobs.tarGz(Map.of("ddp_digits.py", ScriptJobs.resource("scripts/ddp_digits.py"))));

    Run warm = kiln("bench-warmup", source, epochs);
    System.out.printf("warm-up Kiln job (not counted): wall %.2f s%n", warm.wall());
    List<Run> kiln = new ArrayList<>();
    List<Run> torchrun = new ArrayList<>();
    for (int i = 0; i < reps; i++) {
      torchrun.add(torchrun(work, code, epochs, 29600 + i));
      kiln.add(kiln("bench-ddp-" + i, source, epochs));
      System.out.printf("run %d: torchrun wall %.2f s (start %.2f, end %.2f); Kiln wall %.2f s (start %.2f, end %.2f)%n",
          i + 1, torchrun.get(i).wall(), torchrun.get(i).startOverhead(), torchrun.get(i).endOverhead(),
          kiln.get(i).wall(), kiln.get(i).startOverhead(), kiln.get(i).endOverhead());
    }
    Run k = median(kiln);
    Run t = median(torchrun);
    System.out.printf("%n| %d epochs, 2 processes, medians of %d | Kiln (2 workers, local[2]) | torchrun "
        + "(--nproc_per_node 2) | Kiln / torchrun |%n|---|---|---|---|%n", epochs, reps);
    System.out.printf("| wall time, s | %.2f | %.2f | %.2f |%n", k.wall(), t.wall(), k.wall() / t.wall());
    System.out.printf("| start to the script's first line, s | %.2f | %.2f | %.2f |%n", k.startOverhead(),
        t.startOverhead(), k.startOverhead() / t.startOverhead());
    System.out.printf("| script's last line to the end, s | %.2f | %.2f | %.2f |%n", k.endOverhead(),
        t.endOverhead(), k.endOverhead() / t.endOverhead());
    double kOver = k.startOverhead() + k.endOverhead();
    double tOver = t.startOverhead() + t.endOverhead();
    System.out.printf("| per-job overhead (both), s | %.2f | %.2f | %.2f |%n", kOver, tOver, kOver / tOver);
    System.out.printf("%nKiln's own per-job overhead over torchrun's (both start Python and import torch): %.2f s "
        + "(start %.2f s, end %.2f s)%n", kOver - tOver, k.startOverhead() - t.startOverhead(),
        k.endOverhead() - t.endOverhead());
    ScriptJobs.spark().stop();
    System.exit(0);
  }

  private static Run kiln(String name, String source, int epochs) {
    Map<String, String> hp = new LinkedHashMap<>();
    hp.put("sagemaker_program", "\"ddp_digits.py\"");
    hp.put("sagemaker_submit_directory", "\"" + source + "\"");
    hp.put("sagemaker_torch_distributed_enabled", "true");
    hp.put("epochs", String.valueOf(epochs));
    Map<String, ScriptJobs.Channel> channels = Map.of("train", new ScriptJobs.Channel("s3://" + ScriptJobs.BUCKET
        + "/bench/digits/", "text/csv", "ShardedByS3Key"));
    String request = ScriptJobs.request(name + "-" + System.nanoTime(), hp, channels, 2,
        Map.of("PATH", "/usr/bin:/bin", "OMP_NUM_THREADS", "1"));
    String jobName = ScriptJobs.json(request).get("TrainingJobName").asText();
    double start = System.currentTimeMillis() / 1000.0;
    JobResult r = ScriptJobs.run(request, name + ".json");
    double end = System.currentTimeMillis() / 1000.0;
    if (r.status() != TrainingJobStatus.Completed) {
      throw new IllegalStateException(name + " ended " + r.status() + ": " + r.failureReason());
    }
    double[] lines = firstAndLast(ScriptJobs.log(jobName));
    return new Run(end - start, lines[0] - start, end - lines[1]);
  }

  private static Run torchrun(Path work, Path code, int epochs, int port) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/python3", "-m", "torch.distributed.run", "--nnodes", "1",
        "--nproc_per_node", "2", "--master_addr", "127.0.0.1", "--master_port", String.valueOf(port),
        "--redirects", "9:1", "--tee", "9:1", "ddp_digits.py", "--epochs", String.valueOf(epochs))
        .directory(code.toFile()).redirectErrorStream(true);
    pb.environment().put("TRAIN_DIR_RANK_0", work.resolve("shard-0").toString());
    pb.environment().put("TRAIN_DIR_RANK_1", work.resolve("shard-1").toString());
    pb.environment().put("OMP_NUM_THREADS", "1");
    double start = System.currentTimeMillis() / 1000.0;
    Process p = pb.start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        out.append(line).append('\n');
      }
    }
    int code0 = p.waitFor();
    double end = System.currentTimeMillis() / 1000.0;
    if (code0 != 0) {
      throw new IllegalStateException("torchrun exited " + code0 + ":\n" + out);
    }
    double[] lines = firstAndLast(out.toString());
    return new Run(end - start, lines[0] - start, end - lines[1]);
  }

  private static final java.util.regex.Pattern MARK =
      java.util.regex.Pattern.compile("KILN-(FIRST|LAST)-LINE (\\d+\\.\\d{6})");

  /**
   * The earliest KILN-FIRST-LINE and the latest KILN-LAST-LINE epoch seconds in a log (found anywhere
   * in it: torchrun's processes share one stdout, so their lines may interleave).
   */
  private static double[] firstAndLast(String log) {
    double first = Double.MAX_VALUE;
    double last = 0;
    java.util.regex.Matcher m = MARK.matcher(log);
    while (m.find()) {
      double t = Double.parseDouble(m.group(2));
      if (m.group(1).equals("FIRST")) {
        first = Math.min(first, t);
      } else {
        last = Math.max(last, t);
      }
    }
    if (first == Double.MAX_VALUE || last == 0) {
      throw new IllegalStateException("the script's first or last line is missing from:\n" + log);
    }
    return new double[] {first, last};
  }

  private static Run median(List<Run> runs) {
    return new Run(median(runs.stream().mapToDouble(Run::wall).toArray()),
        median(runs.stream().mapToDouble(Run::startOverhead).toArray()),
        median(runs.stream().mapToDouble(Run::endOverhead).toArray()));
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
