package io.kiln.algorithms.script;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.spec.SageMakerRequestMapper;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.ScriptSpec;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * Script jobs (SageMaker's script mode): the user's entry point runs on every worker at once, as one
 * barrier stage, under SageMaker's container contract ({@link ContainerContract}, laid out by
 * {@link ScriptWorker}).
 *
 * <p>Selected by the name {@code script} in a Kiln spec (the default when {@code algorithm.entryPoint}
 * is given), or in a SageMaker request by a framework image ({@value #IMAGES_DOC}) or the XGBoost image
 * with the SDK's {@code sagemaker_program} hyperparameter. The script itself comes from the job
 * ({@link TrainingContext#script()}): its source is read once on the driver ({@link SourceCode}: a
 * missing source, a bad archive or an entry point not in it fails the job before any worker starts).
 * Channels may have any name and ContentType; each worker gets FullyReplicated channels whole and its
 * share of ShardedByS3Key ones.
 */
public final class ScriptAlgorithm implements Algorithm<ScriptAlgorithm.Settings> {
  /** Seconds a stopped script has between SIGTERM and SIGKILL (SageMaker gives 120). */
  public static final String STOP_GRACE_KEY = "spark.kiln.script.stop-grace-seconds";
  static final int DEFAULT_STOP_GRACE_SECONDS = 120;
  /**
   * Seconds between two looks for new and changed files under a script's checkpoint directory
   * ({@link CheckpointSync}); default {@value #DEFAULT_CHECKPOINT_SYNC_SECONDS}.
   */
  public static final String CHECKPOINT_SYNC_KEY = "spark.kiln.script.checkpoint-sync-seconds";
  static final int DEFAULT_CHECKPOINT_SYNC_SECONDS = 5;
  /** The XGBoost image's repository: its multi-worker script jobs get a Rabit tracker ({@link DmlcTracker}). */
  static final String XGBOOST_IMAGE = "sagemaker-xgboost";
  static final String IMAGES_DOC = "pytorch-training, tensorflow-training, sagemaker-scikit-learn, "
      + "huggingface-pytorch-training";

  /**
   * The job's hyperparameters, checked where the toolkit reads them.
   *
   * @param raw every hyperparameter as written (passed to the script as SageMaker passes them)
   */
  public record Settings(Map<String, String> raw) implements Serializable {
    public Settings {
      raw = Map.copyOf(raw);
    }
  }

  @Override
  public String name() {
    return "script";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("pytorch-training", "tensorflow-training", "sagemaker-scikit-learn", "huggingface-pytorch-training");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(ChannelRequirement.anyChannel());
  }

  /**
   * None of its own: a script's metrics are what the job's MetricDefinitions read from the lines it
   * prints ({@link #metricsFromDefinitions()}).
   */
  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    return List.of();
  }

  /**
   * True: the job may define any metric; its regexes run on the driver over every line each worker's
   * script prints (as SageMaker runs them over the job's log), each value a live metric step.
   */
  @Override
  public boolean metricsFromDefinitions() {
    return true;
  }

  /**
   * Takes every hyperparameter (they are the script's); checks the SDK's
   * {@code sagemaker_container_log_level}, which becomes SM_LOG_LEVEL, is an integer, and the
   * distribution flags ({@link DistributionLaunch#of}: pytorchxla, two flags at once, a bad
   * processes-per-host value are refused).
   */
  @Override
  public Settings hyperparameters(Map<String, String> raw) {
    DistributionLaunch.of(raw);
    String level = raw.get("sagemaker_container_log_level");
    if (level != null) {
      JsonNode v = PythonValues.decode(level);
      if (!v.isIntegralNumber()) {
        throw KilnException.user("Hyperparameter sagemaker_container_log_level is '" + Messages.echo(level)
            + "'; give a Python logging level as an integer (20 for INFO, 10 for DEBUG)");
      }
    }
    return new Settings(raw);
  }

  @Override
  public TrainingOutcome train(TrainingContext context, Settings settings) {
    ScriptSpec script = context.script().orElseThrow(() -> KilnException.user("Job '" + context.jobName()
        + "' runs a script but names none: set algorithm.entryPoint and algorithm.source (hyperparameters "
        + ScriptSpec.PROGRAM + " and " + ScriptSpec.SUBMIT_DIRECTORY + ")"));
    Configuration hadoop = context.spark().sparkContext().hadoopConfiguration();
    // LocalPath checked before anything is read; every worker syncs checkpoints/ with the URI
    CheckpointSync.Plan checkpoints = context.checkpointLocation().map(l -> CheckpointSync.plan(l, hadoop,
        1000L * seconds(context.spark().conf().get(CHECKPOINT_SYNC_KEY, null), CHECKPOINT_SYNC_KEY,
            DEFAULT_CHECKPOINT_SYNC_SECONDS, 1))).orElse(null);
    SourceCode source = SourceCode.fetch(script.source(), hadoop);
    EntryPoint.check(script, source); // a file of the source, or a Java trainer class in its jars
    Map<String, String> hyperparameters = new LinkedHashMap<>(settings.raw());
    script.sdkHyperparameters().forEach(hyperparameters::putIfAbsent); // as the SDK would have sent them
    String inputMode = InputModes.of(context.inputMode()); // File, FastFile (as File) or Pipe (FIFOs)
    Map<String, ContainerContract.ChannelConfig> channels = new LinkedHashMap<>();
    Map<String, Boolean> gzip = new LinkedHashMap<>();
    for (ChannelData c : context.channels().values()) {
      if (c.name().equals(".") || c.name().equals("..")) { // SageMaker's ChannelName pattern allows them
        throw KilnException.user("Channel name '" + c.name() + "' would be a directory outside input/data/; rename "
            + "the channel (ChannelName) to letters, digits, '-', '_' or '.' other than '.' and '..'");
      }
      if (c.augmentedManifest()) {
        throw KilnException.user("Channel '" + c.name() + "' is an AugmentedManifestFile, which script jobs do not "
            + "read yet (SageMaker gives it to scripts in Pipe mode); use an S3Prefix or ManifestFile channel");
      }
      channels.put(c.name(), new ContainerContract.ChannelConfig(context.contentTypeAsWritten(c.name()).orElse(null),
          inputMode, c.distribution().name(), c.dataType().name()));
      gzip.put(c.name(), c.gzip());
    }
    context.log("Script job: " + EntryPoint.describe(script) + " from " + script.source() + " ("
        + source.files().size() + " files) on " + context.workers() + " worker(s)");
    int grace = stopGraceSeconds(context.spark().conf().get(STOP_GRACE_KEY, null));
    DistributionLaunch launch = DistributionLaunch.of(hyperparameters);
    launch.check(context.workers());
    if (context.workers() > 1 && context.trainingImage().map(SageMakerRequestMapper::imageRepository)
        .filter(XGBOOST_IMAGE::equals).isPresent()) {
      launch.withDmlcTracker(); // as the XGBoost container's rabit_run: a Rabit tracker on hosts[0]
    }
    try (HorovodRendezvousServer horovod = launch.horovod() ? HorovodRendezvousServer.start(driverHost(context),
        context.workers() * launch.processesPerHost(0)) : null) {
      if (horovod != null) {
        launch.withHorovodStore(horovod.host(), horovod.port());
      }
      context.log(launch.notice(context.workers()));
      context.runOnWorkers(new ScriptWorker(context.jobName(), hyperparameters, script, source, channels, gzip,
          credentials(hadoop), grace).checkpoints(checkpoints).withLaunch(launch)
          .optMl(context.spark().conf().get(OptMl.KEY, OptMl.DEFAULT)));
    }
    return new TrainingOutcome(TrainingOutcome.ROUNDS_NOT_COUNTED, Map.of(), false);
  }

  /** The driver's address as the executors reach it ({@code spark.driver.host}). */
  private static String driverHost(TrainingContext context) {
    return context.spark().conf().get("spark.driver.host", "127.0.0.1");
  }

  /** The stop grace period from its setting (null: the default). */
  static int stopGraceSeconds(String value) {
    return seconds(value, STOP_GRACE_KEY, DEFAULT_STOP_GRACE_SECONDS, 0);
  }

  /**
   * Whole seconds from {@code min} to 3600 from a setting (null or blank: {@code fallback}).
   *
   * @throws KilnException USER naming the setting and its value
   */
  static int seconds(String value, String key, int fallback, int min) {
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      int s = Integer.parseInt(value.trim());
      if (s >= min && s <= 3600) {
        return s;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw KilnException.user(key + " is '" + Messages.echo(value) + "'; give whole seconds from " + min + " to 3600 "
        + "(default " + fallback + (key.equals(STOP_GRACE_KEY) ? ", as SageMaker)" : ")"));
  }

  /**
   * The standard AWS variables for the script from the job's s3a settings (keys, session token,
   * a non-AWS endpoint, region), so code in the script (boto3) reaches the storage Kiln reads; only
   * the settings that are set. Passed to the process's environment, never written to a file.
   */
  static Map<String, String> credentials(Configuration hadoop) {
    Map<String, String> env = new LinkedHashMap<>();
    put(env, "AWS_ACCESS_KEY_ID", hadoop.getTrimmed("fs.s3a.access.key"));
    put(env, "AWS_SECRET_ACCESS_KEY", hadoop.getTrimmed("fs.s3a.secret.key"));
    put(env, "AWS_SESSION_TOKEN", hadoop.getTrimmed("fs.s3a.session.token"));
    String endpoint = hadoop.getTrimmed("fs.s3a.endpoint");
    if (endpoint != null && !endpoint.isBlank() && !endpoint.contains("amazonaws.com")) {
      // an S3-compatible store (on AWS the SDK's own endpoints are right): the S3 endpoint for
      // current SDKs, and the general one for those older than AWS_ENDPOINT_URL_S3 (there is no other
      // AWS service behind such an endpoint to misdirect)
      boolean ssl = hadoop.getBoolean("fs.s3a.connection.ssl.enabled", true);
      String url = endpoint.contains("://") ? endpoint : (ssl ? "https://" : "http://") + endpoint;
      put(env, "AWS_ENDPOINT_URL_S3", url);
      put(env, "AWS_ENDPOINT_URL", url);
    }
    String region = hadoop.getTrimmed("fs.s3a.endpoint.region");
    put(env, "AWS_REGION", region);
    put(env, "AWS_DEFAULT_REGION", region);
    return env;
  }

  private static void put(Map<String, String> env, String key, String value) {
    if (value != null && !value.isBlank()) {
      env.put(key, value);
    }
  }
}
