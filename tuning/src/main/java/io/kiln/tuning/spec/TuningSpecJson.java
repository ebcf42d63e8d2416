package io.kiln.tuning.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spec.SpecJson;
import io.kiln.tuning.space.ParameterRange;

/**
 * Writes a {@link TuningJobSpec} back out as a Kiln tuning spec, which {@link TuningSpecReader}
 * reads again into an equal spec, for the tuning job's record. As with {@link SpecJson}, values of
 * environment variables whose names look secret are replaced, and notices are not kept: they were
 * said when the spec was first read.
 */
public final class TuningSpecJson {
  private TuningSpecJson() {}

  public static ObjectNode toKilnSpec(TuningJobSpec s) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode o = f.objectNode();
    o.put("name", s.name());
    o.put("strategy", s.strategy().name());
    o.putObject("objective").put("type", s.objective().type().name()).put("metric", s.objective().metricName());
    ArrayNode ranges = o.putArray("parameterRanges");
    for (ParameterRange r : s.parameterRanges()) {
      ObjectNode range = ranges.addObject().put("name", r.name());
      if (r instanceof ParameterRange.Integer i) {
        range.put("type", "Integer").put("min", i.min()).put("max", i.max()).put("scaling", i.scaling().name());
      } else if (r instanceof ParameterRange.Continuous c) {
        range.put("type", "Continuous").put("min", c.min()).put("max", c.max()).put("scaling", c.scaling().name());
      } else {
        range.put("type", "Categorical");
        ArrayNode values = range.putArray("values");
        ((ParameterRange.Categorical) r).values().forEach(values::add);
      }
    }
    o.put("maxTrainingJobs", s.maxTrainingJobs());
    o.put("maxParallelTrainingJobs", s.resourceLimits().maxParallelTrainingJobs());
    if (s.resourceLimits().maxRuntimeSeconds() != null) {
      o.put("maxRuntimeSeconds", s.resourceLimits().maxRuntimeSeconds());
    }
    o.put("earlyStopping", s.earlyStopping().name());
    CompletionCriteria c = s.completion();
    if (!c.isNone()) {
      ObjectNode completion = o.putObject("completion");
      if (c.targetObjectiveValue() != null) {
        completion.put("targetObjectiveValue", c.targetObjectiveValue());
      }
      if (c.maxJobsNotImproving() != null) {
        completion.put("maxJobsNotImproving", c.maxJobsNotImproving());
      }
      completion.put("completeOnConvergence", c.completeOnConvergence());
    }
    if (s.hyperband() != null) {
      o.putObject("hyperband").put("minResource", s.hyperband().minResource())
          .put("maxResource", s.hyperband().maxResource());
    }
    if (s.warmStart() != null) {
      ObjectNode w = o.putObject("warmStart");
      ArrayNode parents = w.putArray("parents");
      s.warmStart().parents().forEach(parents::add);
      w.put("type", s.warmStart().type().name());
    }
    if (s.randomSeed() != null) {
      o.put("randomSeed", s.randomSeed());
    }
    ObjectNode trainingJob = SpecJson.toKilnSpec(s.trainingJob());
    trainingJob.remove("name");
    o.set("trainingJob", trainingJob);
    return o;
  }

  /** The spec back from its JSON form. */
  public static TuningJobSpec fromKilnSpec(JsonNode json, String source) {
    return TuningSpecReader.readTuningJob(json.toString(), source);
  }
}
