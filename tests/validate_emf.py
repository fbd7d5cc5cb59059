"""Checks log lines against CloudWatch's embedded metric format specification
(docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
independently of the code that writes them: the document structure as a JSON Schema run by
the `jsonschema` package, then the rules a schema cannot say (every dimension and metric a
directive names is a root member of the right type). Reads JSON lines on stdin; prints a
JSON list with, for each line, the list of its problems."""
import json
import sys

import jsonschema

UNITS = [
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
    "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
]

# The specification's objects: "objects defined by this specification MUST NOT contain any
# additional members"; a DimensionSet holds at most 30 dimension keys; a directive at most
# 100 metrics; names are 1 to 255 characters.
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["_aws"],
    "properties": {
        "_aws": {
            "type": "object",
            "required": ["Timestamp", "CloudWatchMetrics"],
            "properties": {
                "Timestamp": {"type": "integer", "minimum": 0},
                "CloudWatchMetrics": {"type": "array", "items": {"$ref": "#/$defs/directive"}},
            },
        }
    },
    "$defs": {
        "directive": {
            "type": "object",
            "additionalProperties": False,
            "required": ["Namespace", "Dimensions", "Metrics"],
            "properties": {
                "Namespace": {"type": "string", "minLength": 1, "maxLength": 255},
                "Dimensions": {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "maxItems": 30,
                        "items": {"type": "string", "minLength": 1, "maxLength": 255},
                    },
                },
                "Metrics": {
                    "type": "array",
                    "maxItems": 100,
                    "items": {"$ref": "#/$defs/metric"},
                },
            },
        },
        "metric": {
            "type": "object",
            "additionalProperties": False,
            "required": ["Name"],
            "properties": {
                "Name": {"type": "string", "minLength": 1, "maxLength": 255},
                "Unit": {"enum": UNITS},
                "StorageResolution": {"enum": [1, 60]},
            },
        },
    },
}


def target_problems(document):
    """Target members: a dimension's value is a string of 1 to 1024 characters, a metric's a
    number or a list of at most 100 numbers, both at the root."""
    problems = []
    for directive in document["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for key in dimension_set:
                value = document.get(key)
                if not isinstance(value, str) or not 1 <= len(value) <= 1024:
                    problems.append(f"dimension {key}: {value!r} is not a string of 1-1024 characters")
        for metric in directive["Metrics"]:
            value = document.get(metric["Name"])
            numbers = value if isinstance(value, list) else [value]
            if len(numbers) > 100 or not all(
                isinstance(n, (int, float)) and not isinstance(n, bool) for n in numbers
            ):
                problems.append(f"metric {metric['Name']}: {value!r} is not a number")
    return problems


validator = jsonschema.Draft202012Validator(SCHEMA)
report = []
for line in sys.stdin:
    try:
        document = json.loads(line)
    except ValueError as error:
        report.append([f"not JSON: {error}"])
        continue
    problems = [error.message for error in validator.iter_errors(document)]
    report.append(problems or target_problems(document))
json.dump(report, sys.stdout)
