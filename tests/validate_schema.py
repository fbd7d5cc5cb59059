"""Validates YAML documents against a JSON Schema with the `jsonschema` package, an
independent implementation of the specification: reads {"schema": PATH, "documents":
{NAME: YAML_TEXT}} on stdin, prints {NAME: [{"validator", "path", "message"}]} on stdout,
every error of a document, those found inside `anyOf` branches included."""
import json
import re
import sys

import jsonschema
import yaml



class Yaml12Loader(yaml.SafeLoader):
    """Reads scalars as YAML 1.2 does, like serde_yaml and editors' YAML servers: a date is
    text, and only true and false are booleans (PyYAML's YAML 1.1 reads `yes` as true)."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, pattern)
        for tag, pattern in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

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
    document = yaml.load(text, Loader=Yaml12Loader)
    report[name] = [
        {
            "validator": error.validator,
            "path": ".".join(str(part) for part in error.absolute_path),
            "message": error.message,
        }
        for error in every(validator.iter_errors(document))
    ]
json.dump(report, sys.stdout)
