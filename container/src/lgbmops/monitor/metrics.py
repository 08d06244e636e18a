"""drift.json's figures as CloudWatch MetricData entries, ready for PutMetricData.

The monitoring job runs with network isolation, so it only writes them (`metrics.json`, a list
of MetricData entries); a later step sends them to the namespace below. The units are CloudWatch's.
"""
from __future__ import annotations

from typing import Any

NAMESPACE = "LgbmOps/Monitoring"
ENDPOINT_DIMENSION = "EndpointName"
FEATURE_DIMENSION = "Feature"

# Per endpoint: name -> (its value in drift.json, unit).
ENDPOINT_METRICS = {
    "MaxFeaturePSI": (lambda drift: drift["max_feature_psi"], "None"),
    "PredictionPSI": (lambda drift: drift["prediction"]["psi"], "None"),
    "MissingRate": (lambda drift: drift["missing_rate"], "None"),
    "UnseenCategoryRate": (lambda drift: drift["unseen_category_rate"], "None"),
    "SchemaViolationRate": (lambda drift: drift["schema_violation_rate"], "None"),
}
FEATURE_PSI = "FeaturePSI"  # per endpoint and feature
CAPTURED_ROWS = "CapturedRows"  # always sent, also when too few rows were captured


def metric_data(drift: dict[str, Any]) -> list[dict[str, Any]]:
    endpoint = [{"Name": ENDPOINT_DIMENSION, "Value": drift["endpoint_name"]}]
    timestamp = drift["window"]["end"]

    def datum(name: str, value: float, unit: str, dimensions=endpoint) -> dict[str, Any]:
        return {"MetricName": name, "Dimensions": dimensions, "Timestamp": timestamp,
                "Value": float(value), "Unit": unit}

    data = [datum(CAPTURED_ROWS, drift["rows"]["decoded"], "Count")]
    if drift["status"] != "ok":
        return data  # too few rows: nothing an alarm should judge
    for name, (value, unit) in ENDPOINT_METRICS.items():
        data.append(datum(name, value(drift), unit))
    for feature in drift["features"]:
        data.append(datum(FEATURE_PSI, feature["psi"], "None",
                          [*endpoint, {"Name": FEATURE_DIMENSION, "Value": feature["name"]}]))
    return data
