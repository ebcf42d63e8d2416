package io.kiln.cli;

import io.kiln.predict.BatchPrediction;
import io.kiln.record.JobStore;
import io.kiln.record.ResourceNotFoundException;
import io.kiln.runner.Algorithms;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln predict (NAME | --model URI) --input URI --output URI}: batch prediction with a
 * trained model, as SageMaker's Batch Transform does it (SplitType Line, AssembleWith Line). Every
 * check that needs no Spark (the job, the model, the input listing, the output prefix) is made
 * before Spark starts; the work itself runs in {@link PredictRun}.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = {"Batch prediction, as SageMaker's Batch Transform: every object under --input becomes "
        + "<key>.out under --output, one line per input line (record), in order.",
        "The model is a training job's (NAME: Completed, or Stopped with its model) or --model URI (a model.tar.gz "
        + "or a directory of model files; its algorithm is recognised from its files, or given with --algorithm).",
        "Input is text/csv without a label column; output is text/csv or application/jsonlines (--accept), "
        + "in the fields SageMaker's container for the algorithm writes (XGBoost: score).",
        "Input may also be whole objects of a type the algorithm takes (--content-type application/x-image, "
        + "image/jpeg, image/png for image models): each object is one request, its .out the model's JSON "
        + "document on one line (--accept application/json, the default there, or application/jsonlines).",
        "Runs as a Spark job, one task per input object (per group of objects for whole objects); an object's "
        + ".out appears whole or not at all."})
final class PredictCommand implements Callable<Integer> {
  /**
   * The bytes of an input object a task parses (and holds) at once; a line belongs to the range it
   * starts in. A gzip object is read whole.
   */
  static final String CHUNK_BYTES = "spark.kiln.predict.chunk-bytes";
  static final long DEFAULT_CHUNK_BYTES = 64L << 20;

  @Mixin
  CommonOptions common;

  @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "The training job whose model to use")
  String name;

  @Option(names = "--model", paramLabel = "URI",
      description = "A model.tar.gz (s3://..., file:...) or a directory holding the model's files, instead of NAME")
  String model;

  @Option(names = "--algorithm", paramLabel = "NAME",
      description = "The model's algorithm (xgboost, or a SageMaker image repository such as sagemaker-xgboost); "
          + "default: the job's, or the one that recognises the model's files")
  String algorithm;

  @Option(names = "--input", required = true, paramLabel = "URI",
      description = "An object, or a prefix: every object whose key starts with it (S3Prefix)")
  String input;

  @Option(names = "--output", required = true, paramLabel = "URI",
      description = "The output prefix; each input object's output is <key relative to --input>.out there")
  String output;

  @Option(names = "--content-type", paramLabel = "MIME", defaultValue = "text/csv",
      description = "The input's type: text/csv (default; features only, no label column), or a whole-object "
          + "type the algorithm takes (application/x-image, image/jpeg, image/png for image models)")
  String contentType;

  @Option(names = "--accept", paramLabel = "MIME",
      description = "The output's type: text/csv (default for text/csv) or application/jsonlines; for whole "
          + "objects application/json (default) or application/jsonlines")
  String accept;

  @Option(names = "--overwrite",
      description = "Write into a non-empty --output prefix, replacing .out objects of the same keys")
  boolean overwrite;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    PrintWriter out = command.commandLine().getOut();
    PrintWriter err = command.commandLine().getErr();
    if ((name == null) == (model == null)) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "Give a training job NAME, or --model URI (not both)");
    }
    KilnSettings settings = common.settings();
    String chunk = settings.values().getOrDefault(CHUNK_BYTES, Long.toString(DEFAULT_CHUNK_BYTES));
    long chunkBytes;
    try {
      chunkBytes = Long.parseLong(chunk.trim());
    } catch (NumberFormatException e) {
      chunkBytes = -1;
    }
    if (chunkBytes < 1) {
      err.println("kiln: " + CHUNK_BYTES + "=" + chunk + " is not valid: give a number of bytes >= 1 (default "
          + DEFAULT_CHUNK_BYTES + ")");
      return Kiln.EXIT_USAGE;
    }
    BatchPrediction.Plan plan;
    try {
      org.apache.hadoop.conf.Configuration hadoopConf = settings.hadoopConf(); // one for the plan and the job root
      plan = BatchPrediction.plan(new BatchPrediction.Request(name, model, algorithm, input, output, contentType,
          accept, overwrite), hadoopConf, new JobStore(settings.jobRoot(), hadoopConf), Algorithms.load());
    } catch (ResourceNotFoundException e) {
      err.println("kiln: " + e.getMessage());
      return Kiln.EXIT_NO_SUCH_JOB;
    } catch (KilnException e) {
      err.println("kiln: " + e.getMessage());
      return e.type() == ErrorType.USER ? Kiln.EXIT_USAGE : Kiln.EXIT_FAILED;
    }
    // Spark is touched only from PredictRun (see TrainCommand)
    return PredictRun.run(settings, plan, chunkBytes, out, err);
  }
}
