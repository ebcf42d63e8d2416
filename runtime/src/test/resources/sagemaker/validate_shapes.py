#!/usr/bin/python3
"""Checks documents Kiln prints against SageMaker's service model, as botocore defines it.

Run with Debian's python3-botocore (/usr/bin/python3):

    validate_shapes.py REQUEST.json

REQUEST.json: {"documents": [{"label": "...", "operation": "DescribeTrainingJob",
                              "document": {...}, "attach": "Estimator"}, ...]}

For each document, prints (as one JSON object on stdout) the errors botocore's ParamValidator
reports when the document, without Kiln's extension key "Kiln", is validated against the
operation's OUTPUT shape (ParamValidator is written for input shapes; it walks any shape: types,
required members, unknown members, lengths and ranges; it does not check enums or patterns).
Timestamps are ISO-8601 strings, which ParamValidator accepts for its timestamp type.

The installed model may predate members Kiln emits (Debian bookworm ships botocore 1.29.27, Dec
2022): output-shapes-overlay.json next to this script adds those members as the newer model
defines them, only to shapes of the installed model that lack them.

"attach" names a SageMaker Python SDK reader whose unconditional key reads are checked too
(sagemaker-python-sdk v2.257.6): "Estimator" for Estimator.attach (estimator.py
_prepare_init_params_from_job_description, attach, model_data), "HyperparameterTuner" for
HyperparameterTuner.attach with estimator_cls given (tuner.py attach, _prepare_estimator,
_prepare_init_params_from_job_description, then the Estimator's reads on the definition).

A missing botocore is an error (exit 3), never a skip.
"""

import copy
import json
import os
import sys

try:
    import botocore
    import botocore.loaders
    import botocore.model
    import botocore.validate
except ImportError as e:  # pragma: no cover - the caller reports it
    sys.stderr.write("botocore is missing (%s); install Debian's python3-botocore: apt-get install -y "
                     "python3-botocore\n" % e)
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))

# Keys the SDK indexes with [] (a KeyError when absent), by reader. A path is a list of keys; "*"
# means every element of a list.
ESTIMATOR_ATTACH = [
    ["TrainingJobArn"],                       # attach: list_tags(ResourceArn=...)
    ["RoleArn"],
    ["ResourceConfig", "InstanceCount"],
    ["ResourceConfig", "InstanceType"],
    ["ResourceConfig", "VolumeSizeInGB"],
    ["StoppingCondition", "MaxRuntimeInSeconds"],
    ["AlgorithmSpecification", "TrainingInputMode"],
    ["TrainingJobName"],
    ["OutputDataConfig", "S3OutputPath"],
    ["OutputDataConfig", "KmsKeyId"],
    ["InputDataConfig", "*", "ChannelName"],
    ["InputDataConfig", "*", "DataSource", "S3DataSource", "S3Uri"],  # the model channel's, when there is one
    ["TrainingJobStatus"],                    # _train_done, _check_job_status
    ["ModelArtifacts", "S3ModelArtifacts"],   # model_data
]
# TrainingImage or AlgorithmName, one of them (RuntimeError otherwise)
ESTIMATOR_ONE_OF = [[["AlgorithmSpecification", "TrainingImage"], ["AlgorithmSpecification", "AlgorithmName"]]]

TUNER_ATTACH = [
    ["HyperParameterTuningJobName"],
    ["HyperParameterTuningJobConfig", "Strategy"],
    ["HyperParameterTuningJobConfig", "ResourceLimits", "MaxNumberOfTrainingJobs"],
    ["HyperParameterTuningJobConfig", "ResourceLimits", "MaxParallelTrainingJobs"],
    ["HyperParameterTuningJobConfig", "TrainingJobEarlyStoppingType"],
    ["HyperParameterTuningJobConfig", "ParameterRanges", "CategoricalParameterRanges"],
    ["HyperParameterTuningJobConfig", "ParameterRanges", "ContinuousParameterRanges"],
    ["HyperParameterTuningJobConfig", "ParameterRanges", "IntegerParameterRanges"],
    ["TrainingJobDefinition", "StaticHyperParameters", "_tuning_objective_metric"],
    ["TrainingJobDefinition", "AlgorithmSpecification", "MetricDefinitions"],
    ["TrainingJobDefinition", "OutputDataConfig"],
] + [["TrainingJobDefinition"] + p for p in [
    ["RoleArn"],
    ["ResourceConfig", "InstanceCount"],
    ["ResourceConfig", "InstanceType"],
    ["ResourceConfig", "VolumeSizeInGB"],
    ["StoppingCondition", "MaxRuntimeInSeconds"],
    ["AlgorithmSpecification", "TrainingInputMode"],
    ["OutputDataConfig", "S3OutputPath"],
]]
TUNER_ONE_OF = [[["TrainingJobDefinition", "AlgorithmSpecification", "TrainingImage"],
                 ["TrainingJobDefinition", "AlgorithmSpecification", "AlgorithmName"]]]

READERS = {
    "Estimator": (ESTIMATOR_ATTACH, ESTIMATOR_ONE_OF),
    "HyperparameterTuner": (TUNER_ATTACH, TUNER_ONE_OF),
}


def load_model():
    """The installed SageMaker service model with the overlay's members where it lacks them."""
    raw = botocore.loaders.Loader().load_service_model("sagemaker", "service-2")
    raw = copy.deepcopy(raw)
    with open(os.path.join(HERE, "output-shapes-overlay.json")) as f:
        overlay = json.load(f)
    applied = []
    shapes = raw["shapes"]
    for name, shape in overlay["shapes"].items():
        if name not in shapes:
            shapes[name] = shape
    for name, entry in overlay["members"].items():
        installed = shapes[name]
        missing = [m for m in entry["members"] if m not in installed.get("members", {})]
        if missing:
            for m in missing:
                installed["members"][m] = entry["members"][m]
            installed["required"] = list(entry["required"])
            applied.extend(name + "." + m for m in missing)
    return botocore.model.ServiceModel(raw, service_name="sagemaker"), applied


def missing_paths(doc, paths):
    out = []
    for path in paths:
        out.extend(_missing(doc, path, []))
    return out


def _missing(node, path, seen):
    if not path:
        return []
    key, rest = path[0], path[1:]
    if key == "*":
        if not isinstance(node, list):
            return [".".join(seen)]
        out = []
        for i, item in enumerate(node):
            out.extend(_missing(item, rest, seen + ["[%d]" % i]))
        return out
    if not isinstance(node, dict) or key not in node:
        return [".".join(seen + [key])]
    return _missing(node[key], rest, seen + [key])


def main():
    with open(sys.argv[1]) as f:
        request = json.load(f)
    model, applied = load_model()
    validator = botocore.validate.ParamValidator()
    results = []
    for item in request["documents"]:
        doc = dict(item["document"])
        doc.pop("Kiln", None)
        shape = model.operation_model(item["operation"]).output_shape
        report = validator.validate(doc, shape)
        errors = report.generate_report() if report.has_errors() else ""
        lines = [line.strip() for line in errors.splitlines() if line.strip()]
        # some botocore versions head the report with this line, others do not
        lines = [line for line in lines if not line.startswith("Parameter validation failed")]
        result = {"label": item.get("label", item["operation"]), "operation": item["operation"], "errors": lines}
        reader = item.get("attach")
        if reader:
            paths, one_of = READERS[reader]
            absent = missing_paths(doc, paths)
            for alternatives in one_of:
                if all(missing_paths(doc, [p]) for p in alternatives):
                    absent.append(" or ".join(".".join(p) for p in alternatives))
            result["missingAttachKeys"] = absent
        results.append(result)
    json.dump({"botocore": botocore.__version__, "overlayApplied": applied, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
