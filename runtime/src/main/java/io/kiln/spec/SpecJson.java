package io.kiln.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * Writes a {@link TrainingJobSpec} back out as a Kiln spec, which {@link SpecReader} reads again
 * into an equal spec. Values of environment variables whose names look secret are replaced.
 */
public final class SpecJson {
  public static final String REDACTED = "*** redacted ***";

  private SpecJson() {}

  public static ObjectNode toKilnSpec(TrainingJobSpec s) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    o.put("name", s.name());
    AlgorithmSpec algorithm = s.algorithm();
    if (algorithm.trainingImage() == null && algorithm.inputMode().equals("File") && algorithm.script() == null) {
      o.put("algorithm", algorithm.name());
    } else {
      ObjectNode a = o.putObject("algorithm").put("name", algorithm.name());
      if (algorithm.trainingImage() != null) {
        a.put("trainingImage", algorithm.trainingImage());
      }
      if (!algorithm.inputMode().equals("File")) {
        a.put("inputMode", algorithm.inputMode());
      }
      io.kiln.spi.ScriptSpec script = algorithm.script();
      if (script != null) {
        a.put("entryPoint", script.entryPoint()).put("source", script.source()).put("interpreter", script.interpreter());
        script.arguments().forEach(a.putArray("arguments")::add);
        if (!script.containerEntrypoint().isEmpty()) {
          script.containerEntrypoint().forEach(a.putArray("containerEntrypoint")::add);
        }
        if (!script.containerArguments().isEmpty()) {
          script.containerArguments().forEach(a.putArray("containerArguments")::add);
        }
      }
    }
    ObjectNode hp = o.putObject("hyperparameters");
    s.hyperparameters().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> hp.put(e.getKey(), e.getValue()));
    ArrayNode channels = o.putArray("channels");
    for (ChannelSpec c : s.channels()) {
      ObjectNode ch = channels.addObject().put("name", c.name()).put("uri", c.uri());
      if (c.contentType() != null) {
        ch.put("contentType", c.contentType());
      }
      ch.put("distribution", c.distribution().name()).put("compression", c.compression().name());
      if (c.dataType() != io.kiln.spi.S3DataType.S3Prefix) {
        ch.put("dataType", c.dataType().name());
      }
      if (!c.attributeNames().isEmpty()) {
        c.attributeNames().forEach(ch.putArray("attributeNames")::add);
      }
    }
    o.put("outputPath", s.outputPath());
    ObjectNode r = o.putObject("resources").put("workers", s.resources().workers());
    if (s.resources().coresPerWorker() != null) {
      r.put("coresPerWorker", s.resources().coresPerWorker());
    }
    if (s.resources().memoryPerWorker() != null) {
      r.put("memoryPerWorker", s.resources().memoryPerWorker());
    }
    r.put("gpusPerWorker", s.resources().gpusPerWorker());
    if (s.resources().minWorkers() != null) {
      r.put("minWorkers", s.resources().minWorkers());
    }
    if (s.resources().fallbackMaster() != null) {
      r.put("fallbackMaster", s.resources().fallbackMaster());
    }
    if (s.resources().instanceType() != null) {
      r.put("instanceType", s.resources().instanceType());
    }
    ObjectNode st = o.putObject("stoppingCondition").put("maxRuntimeSeconds", s.stoppingCondition().maxRuntimeSeconds());
    if (s.stoppingCondition().maxWaitSeconds() != null) {
      st.put("maxWaitSeconds", s.stoppingCondition().maxWaitSeconds());
    }
    if (s.stoppingCondition().maxPendingSeconds() != null) {
      st.put("maxPendingSeconds", s.stoppingCondition().maxPendingSeconds());
    }
    if (s.checkpoint() != null) {
      ObjectNode c = o.putObject("checkpoint").put("uri", s.checkpoint().uri()).put("localPath", s.checkpoint().localPath());
      if (s.checkpoint().intervalRounds() != null) {
        c.put("intervalRounds", s.checkpoint().intervalRounds());
      }
    }
    o.put("managedSpot", s.managedSpot());
    o.set("environment", redacted(s.environment()));
    ArrayNode metrics = o.putArray("metricDefinitions");
    for (MetricDefinition m : s.metricDefinitions()) {
      metrics.addObject().put("name", m.name()).put("regex", m.regex());
    }
    if (s.maxRetryAttempts() > 0) {
      o.putObject("retry").put("maximumAttempts", s.maxRetryAttempts());
    }
    return o;
  }

  /** The spec back from its JSON form. */
  public static TrainingJobSpec fromKilnSpec(JsonNode json, String source) {
    return SpecReader.readTrainingJob(json.toString(), source);
  }

  public static ObjectNode redacted(Map<String, String> environment) {
    ObjectNode env = JsonNodeFactory.instance.objectNode();
    environment.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> env.put(e.getKey(), isSecretName(e.getKey()) ? REDACTED : e.getValue()));
    return env;
  }

  /** True for variable names that usually hold credentials. */
  public static boolean isSecretName(String name) {
    String n = name.toUpperCase(java.util.Locale.ROOT);
    return n.contains("SECRET") || n.contains("PASSWORD") || n.contains("TOKEN") || n.contains("CREDENTIAL")
        || n.contains("PASSWD") || n.contains("PRIVATE_KEY") || n.equals("AWS_ACCESS_KEY_ID") || n.contains("API_KEY")
        || n.contains("APIKEY");
  }
}
