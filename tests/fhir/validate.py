"""Validates FHIR R4 JSON with an implementation independent of sharegate's: the `fhir.resources` models, version
6.4.x, which are generated from FHIR 4.0.1 (R4) and check each element's name, type, cardinality and format.

    python validate.py FILE...   each FILE a Bundle; prints what it validated, exits non-zero naming what is wrong.
"""

import json
import sys
from collections import Counter

import fhir.resources
from fhir.resources import construct_fhir_element

if fhir.resources.__fhir_version__ != "4.0.1":
    sys.exit(f"fhir.resources models FHIR {fhir.resources.__fhir_version__}, not R4 (4.0.1)")

for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    try:
        construct_fhir_element("Bundle", data)
        # Each resource again on its own, by its own type, so nothing is let through as a generic resource.
        kinds = Counter()
        for entry in data.get("entry", []):
            resource = entry["resource"]
            construct_fhir_element(resource["resourceType"], resource)
            kinds[resource["resourceType"]] += 1
    except Exception as error:  # the models' own validation errors, whatever their class
        sys.exit(f"{path}: not valid FHIR R4: {error}")
    print(f"{path}: valid FHIR R4 Bundle: {dict(sorted(kinds.items()))}")
