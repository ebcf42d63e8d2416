package io.kiln.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks documents Kiln prints (describe --json, list --json ...) against SageMaker's service
 * model in Debian's python3-botocore: {@code sagemaker/validate_shapes.py} runs botocore's
 * ParamValidator on the operation's output shape (the document without {@code Kiln}) and, when
 * asked, checks the keys the SageMaker Python SDK's attach reads. botocore missing fails the test,
 * never skips it.
 */
public final class ServiceModelCheck {
  private ServiceModelCheck() {}

  /**
   * One document to check.
   *
   * @param label names it in failures
   * @param operation e.g. {@code DescribeTrainingJob}
   * @param document the JSON as printed
   * @param attach {@code Estimator}, {@code HyperparameterTuner}, or null: whose attach reads to check
   */
  public record Doc(String label, String operation, JsonNode document, String attach) {}

  /** The validator's answer: per document, {@code errors} and {@code missingAttachKeys}. */
  public static JsonNode check(List<Doc> docs) {
    ReferencePython.requireFrom("python3-botocore", "botocore");
    List<Map<String, Object>> items = new ArrayList<>();
    for (Doc d : docs) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("label", d.label());
      m.put("operation", d.operation());
      m.put("document", d.document());
      if (d.attach() != null) {
        m.put("attach", d.attach());
      }
      items.add(m);
    }
    return ReferencePython.call(ServiceModelCheck.class, "/sagemaker/validate_shapes.py",
        Map.of("documents", items), "/sagemaker/output-shapes-overlay.json");
  }

  /** Fails listing every document with a validation error or a key the SDK's attach would miss. */
  public static JsonNode assertValid(List<Doc> docs) {
    JsonNode answer = check(docs);
    List<String> problems = new ArrayList<>();
    for (JsonNode r : answer.get("results")) {
      r.get("errors").forEach(e -> problems.add(r.get("label").asText() + ": " + e.asText()));
      r.path("missingAttachKeys").forEach(k -> problems.add(r.get("label").asText()
          + ": the SDK's attach reads missing key " + k.asText()));
    }
    assertThat(problems).as("documents against botocore " + answer.get("botocore").asText()
        + " (overlay: " + answer.get("overlayApplied") + ")").isEmpty();
    assertThat(answer.get("results")).hasSize(docs.size());
    return answer;
  }
}
