"""Validates YAML documents against a JSON Schema with the `jsonschema` package, an
independent implementation of the specification: reads {"schema": PATH, "documents":
{NAME: YAML_TEXT}} on stdin, prints {NAME: [{"validator", "path", "message"}]} on stdout,
every error of a document, those found inside `anyOf` branches included."""
import json
import sys

import jsonschema
import yaml

request = json.load(sys.stdin)
with open(request["schema"], encoding="utf-8") as file:
    schema = json.load(file)
validator_class = jsonschema.validators.validator_for(schema)
validator_class.check_schema(schema)
validator = validator_class(schema)


def every(errors):
    """Each error and, for one under `anyOf`, what each branch found."""
    for error in errors:
        yield error
        yield from every(error.context)


report = {}
for name, text in request["documents"].items():
    document = yaml.safe_load(text)
    report[name] = [
        {
            "validator": error.validator,
            "path": ".".join(str(part) for part in error.absolute_path),
            "message": error.message,
        }
        for error in every(validator.iter_errors(document))
    ]
json.dump(report, sys.stdout)
