package io.kiln.predict;

import io.kiln.channel.ChannelLister;
import io.kiln.channel.ObjectKeys;
import io.kiln.channel.ObjectRef;
import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.record.ResourceNotFoundException;
import io.kiln.runner.Algorithms;
import io.kiln.spec.ChannelSpec;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MediaType;
import io.kiln.spi.ObjectPredictor;
import io.kiln.spi.Predictor;
import io.kiln.storage.Store;
import io.kiln.storage.StorageProbe;
import io.kiln.storage.UserUris;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Everything {@code kiln predict} settles on the driver before any Spark task runs (and without
 * Spark): the model (a training job's {@code ModelArtifacts.S3ModelArtifacts}, or a URI), its
 * algorithm, a check that the model loads, the input objects, and the output prefix, which must be
 * empty (or {@code --overwrite}) and is claimed with a {@value #CLAIM} object so that two runs never
 * write into one prefix at once. As SageMaker's Batch Transform (TransformInput {@code SplitType:
 * Line}, TransformOutput {@code AssembleWith: Line}), every object under the input prefix becomes
 * {@code <output prefix>/<key relative to the input prefix>.out}.
 *
 * <p>Input is {@code text/csv} rows ({@link io.kiln.spi.Predictor}), or whole objects of a type the
 * algorithm declares in {@link Algorithm#objectContentTypes()} ({@code application/x-image}: one
 * image per object, {@link ObjectPredictor}): Batch Transform's {@code SplitType: None}, where an
 * object is one request and its {@code .out} the model's answer, one JSON document and a newline.
 */
public final class BatchPrediction {
  /** The claim object written under the output prefix before any output. */
  public static final String CLAIM = ".kiln-predict.json";

  private BatchPrediction() {}

  /**
   * What the user asked for.
   *
   * @param jobName a training job in {@code store} whose model to use, or null with {@code modelUri}
   * @param modelUri a {@code model.tar.gz} or model directory URI, or null with {@code jobName}
   * @param algorithm the algorithm's name (Kiln's or a SageMaker image repository), or null to take the
   *     job's, or the one that recognises the model's files
   * @param input an object or prefix (S3Prefix semantics: every object whose key starts with it)
   * @param output the output prefix
   * @param contentType the input's MIME type, with parameters: {@code text/csv}, or a whole-object
   *     type the algorithm declares ({@code application/x-image}, {@code image/jpeg} ...)
   * @param accept the output's MIME type ({@code text/csv}, {@code application/jsonlines}, or for
   *     whole objects {@code application/json}), or null for the input's default ({@code text/csv}
   *     for rows, {@code application/json} for whole objects)
   * @param overwrite whether a non-empty output prefix may be written into
   */
  public record Request(String jobName, String modelUri, String algorithm, String input, String output,
      String contentType, String accept, boolean overwrite) {}

  /**
   * The settled run.
   *
   * @param runId unique id of this run (the executors' model cache key)
   * @param modelUri the model, as a Hadoop URI
   * @param algorithm the algorithm's Kiln name
   * @param modelDirectory the driver's local copy of the model
   * @param featureCount the model's feature count, when it fixes one
   * @param format how output lines are written
   * @param objectInput for whole-object input, its content type and accept; null for text/csv rows
   * @param outputPrefix the output prefix, as a Hadoop URI ending in {@code /}
   * @param tasks one per input object, in key order
   * @param uris shows messages with the user's s3:// URIs
   */
  public record Plan(String runId, String modelUri, String algorithm, Path modelDirectory, OptionalInt featureCount,
      OutputFormat format, ObjectInput objectInput, String outputPrefix, List<BatchTransform.ObjectTask> tasks,
      UserUris uris) {}

  /**
   * Whole-object input: each object is one request to an {@link ObjectPredictor}.
   *
   * @param contentType {@code --content-type} as given (base type and parameters)
   * @param accept {@code --accept} as given, or {@code application/json} when it was not
   */
  public record ObjectInput(String contentType, String accept) implements java.io.Serializable {}

  /**
   * Settles a run.
   *
   * @param store the job root's store (for {@code jobName})
   * @throws ResourceNotFoundException when the job does not exist
   * @throws KilnException USER for anything the user can fix (named, with the fix), else INTERNAL
   */
  public static Plan plan(Request r, Configuration conf, JobStore store, Algorithms algorithms) {
    OutputFormat accept = r.accept() == null ? null : OutputFormat.parse(r.accept());
    MediaType contentType = MediaType.parse(r.contentType());
    String modelUri = r.modelUri();
    String algorithmName = r.algorithm();
    if (r.jobName() != null) {
      JobRecord job = store.load(r.jobName()).orElseThrow(() -> ResourceNotFoundException.of("training job",
          r.jobName(), store.shownRoot()));
      if (job.modelArtifacts() == null || job.modelArtifacts().s3ModelArtifacts() == null) {
        throw KilnException.user("Training job '" + r.jobName() + "' is " + job.trainingJobStatus()
            + (job.secondaryStatus() != null ? " (" + job.secondaryStatus() + ")" : "") + " and has no model: only a "
            + "Completed job, or a Stopped one that kept its model, has one (see 'kiln describe " + r.jobName() + "')");
      }
      modelUri = job.modelArtifacts().s3ModelArtifacts();
      if (algorithmName == null && job.kiln() != null) {
        algorithmName = job.kiln().algorithm();
      }
    }
    if (algorithmName != null) { // refused before the model is fetched
      inputType(contentType, r.contentType(), algorithm(algorithms, algorithmName, r.jobName(), modelUri, null));
    }
    UserUris uris = UserUris.of(java.util.Arrays.asList(modelUri, r.input(), r.output()));
    String input = Uris.toHadoopUri(r.input(), conf);
    String output = Uris.toHadoopUri(r.output(), conf);
    String outputPrefix = output.endsWith("/") ? output : output + "/";
    String inputFolder = input.endsWith("/") ? input : input.substring(0, input.lastIndexOf('/') + 1);
    if (outputPrefix.startsWith(input) || outputPrefix.startsWith(inputFolder) && input.endsWith("/")) {
      throw KilnException.user("--output " + r.output() + " is inside --input " + r.input() + ": the outputs would be "
          + "read as input by the next run; choose an output prefix outside the input");
    }
    Store out = new Store(conf);
    if (!r.overwrite()) {
      String existing = firstObject(outputPrefix, conf, r.output());
      if (existing != null) {
        throw KilnException.user("--output " + r.output() + " is not empty (it holds " + uris.show(existing) + "); "
            + "choose an empty prefix, or give --overwrite to replace the .out objects there");
      }
    }
    Path dir = ModelFiles.fetch(modelUri, conf);
    boolean ok = false;
    try {
      Algorithm<?> algorithm = algorithm(algorithms, algorithmName, r.jobName(), modelUri, dir);
      ContentType objectType = inputType(contentType, r.contentType(), algorithm);
      OutputFormat format = format(accept, r.accept(), objectType, algorithm);
      List<ObjectRef> objects = inputObjects(r.input(), input, conf, objectType);
      OptionalInt features = OptionalInt.empty();
      ObjectInput objectInput = null;
      if (objectType == null) {
        try (Predictor p = algorithm.predictor(dir)) {
          features = p.featureCount();
        } catch (KilnException e) {
          List<ContentType> types = algorithm.objectContentTypes();
          if (e.type() != ErrorType.USER || types.isEmpty()) {
            throw e;
          }
          throw new KilnException(ErrorType.USER, e.getMessage() + " (--content-type " + r.contentType() + "); it "
              + "predicts over whole objects: give --content-type " + ContentType.accepted(types), e.getCause());
        }
      } else {
        ObjectPredictor check = algorithm.objectPredictor(dir); // loads the model: a bad one is refused here
        check.close();
        objectInput = new ObjectInput(r.contentType(), r.accept() == null ? format.mime() : r.accept());
      }
      List<BatchTransform.ObjectTask> tasks = new ArrayList<>();
      for (ObjectRef o : objects) {
        tasks.add(new BatchTransform.ObjectTask(o.uri(), o.key(), o.size(),
            o.uri().toLowerCase(Locale.ROOT).endsWith(".gz"), outputPrefix + o.key() + ".out"));
      }
      String runId = UUID.randomUUID().toString();
      claim(out, outputPrefix, r, modelUri, runId, uris);
      ok = true;
      return new Plan(runId, Uris.toHadoopUri(modelUri, conf), algorithm.name(), dir, features, format, objectInput,
          outputPrefix, List.copyOf(tasks), uris);
    } finally {
      if (!ok) {
        ModelFiles.delete(dir);
      }
    }
  }

  /**
   * The whole-object type {@code --content-type} names among the algorithm's, or null for
   * {@code text/csv} rows.
   *
   * @throws KilnException USER naming the value and the types the algorithm takes
   */
  private static ContentType inputType(MediaType type, String given, Algorithm<?> algorithm) {
    if (ContentType.CSV.matches(type.type())) {
      return null;
    }
    List<ContentType> objects = algorithm.objectContentTypes();
    for (ContentType t : objects) {
      if (t.matches(type.type())) {
        return t;
      }
    }
    throw KilnException.user("--content-type '" + given + "' is not an input type kiln predict reads for algorithm '"
        + algorithm.name() + "'; it reads text/csv (features only, no label column, as Batch Transform sends them)"
        + (objects.isEmpty() ? "" : ", or whole objects (one request each) of " + ContentType.accepted(objects)));
  }

  /** The output format: {@code accept} when it suits the input, else the input's default. */
  private static OutputFormat format(OutputFormat accept, String given, ContentType objectType,
      Algorithm<?> algorithm) {
    if (objectType == null) {
      if (accept == OutputFormat.JSON) {
        throw KilnException.user("--accept '" + given + "' is written for whole-object input only; text/csv rows are "
            + "written as text/csv (the default) or application/jsonlines, one line per row");
      }
      return accept == null ? OutputFormat.CSV : accept;
    }
    if (accept == OutputFormat.CSV) {
      throw KilnException.user("--accept '" + given + "': algorithm '" + algorithm.name() + "' answers each whole "
          + "object (" + objectType.mime() + ") with a JSON document; use application/json (the default) or "
          + "application/jsonlines");
    }
    return accept == null ? OutputFormat.JSON : accept;
  }

  private static List<ObjectRef> inputObjects(String userUri, String hadoopUri, Configuration conf,
      ContentType objectType) {
    ContentType type = objectType == null ? ContentType.CSV : objectType;
    ChannelSpec spec = new ChannelSpec("input", userUri, type.mime(), DataDistribution.FullyReplicated,
        ChannelSpec.Compression.None);
    ChannelData data;
    try {
      data = new ChannelLister(conf).list(spec, type);
    } catch (KilnException e) {
      throw new KilnException(e.type(), e.getMessage().replace("Channel 'input'", "Input")
          .replace("channel 'input'", "the input"), e.getCause());
    }
    return ObjectKeys.of(data, hadoopUri);
  }

  /** The first object under the prefix (its URI), or null when there is none. */
  private static String firstObject(String prefix, Configuration conf, String shown) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(prefix);
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        return null;
      }
      var it = fs.listFiles(p, true);
      while (it.hasNext()) {
        var f = it.next();
        if (!f.getPath().getName().endsWith(".crc")) {
          return f.getPath().toString();
        }
      }
      return null;
    } catch (IOException | RuntimeException e) {
      throw StorageProbe.classify(e, shown, "the output prefix");
    }
  }

  private static Algorithm<?> algorithm(Algorithms algorithms, String name, String job, String modelUri, Path dir) {
    if (name != null) {
      return algorithms.find(name).orElseThrow(() -> KilnException.user("Unknown algorithm '" + name + "'"
          + (job != null ? " (training job '" + job + "')" : "") + "; available built-ins: "
          + String.join(", ", algorithms.names())));
    }
    List<Algorithm<?>> found = algorithms.all().stream().filter(a -> a.recognizes(dir)).toList();
    if (found.size() == 1) {
      return found.get(0);
    }
    String files;
    try (var s = Files.walk(dir)) {
      files = String.join(", ", s.filter(Files::isRegularFile).map(f -> dir.relativize(f).toString()).sorted()
          .limit(10).toList());
    } catch (IOException e) {
      files = "?";
    }
    if (found.isEmpty()) {
      throw KilnException.user("No built-in algorithm recognises the model " + modelUri + " (it holds: " + files
          + "); give --algorithm NAME (one of: " + String.join(", ", algorithms.names()) + ")");
    }
    throw KilnException.user("The model " + modelUri + " is recognised by several algorithms ("
        + String.join(", ", found.stream().map(Algorithm::name).toList()) + "); give --algorithm NAME");
  }

  private static void claim(Store store, String outputPrefix, Request r, String modelUri, String runId,
      UserUris uris) {
    String claim = outputPrefix + CLAIM;
    java.util.Map<String, String> doc = new java.util.LinkedHashMap<>();
    doc.put("RunId", runId);
    doc.put("Model", modelUri);
    doc.put("Input", r.input());
    doc.put("CreationTime", Instant.now().toString());
    String text = io.kiln.record.Json.write(doc) + "\n";
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (r.overwrite()) {
      store.write(claim, bytes);
    } else if (!store.createIfAbsent(claim, bytes)) {
      throw KilnException.user("--output " + r.output() + " was claimed by another kiln predict run just now ("
          + uris.show(claim) + "); choose another prefix, or give --overwrite");
    }
  }
}
