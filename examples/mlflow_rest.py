"""What `leakproof run` hands a training command, and MLflow's tracking REST API over plain HTTP.

Standard library only (urllib), because the `mlflow` package is not always installable. The requests are the
ones MLflow's own clients send (REST API 2.0), so a script written against this file would work against any
MLflow tracking server, and `mlflow.start_run()` in unmodified code attaches to the same run through the
MLFLOW_TRACKING_URI / MLFLOW_RUN_ID variables `leakproof run` sets.
"""

import csv
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def bound_splits():
    """The audited planned splits of the run: {'root', 'positiveClass', 'train': {...config}, 'images': [...]}.

    Each image has path (relative to the dataset root), absolute_path, split (train/val/test), label, patient.
    """
    path = os.environ.get("LEAKPROOF_SPLITS")
    if not path:
        sys.exit("LEAKPROOF_SPLITS is not set: start this script with `leakproof run --config exp.json -- python3 ...`")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_predictions(path, rows):
    """rows: (relative path, probability of the positive class); the format `leakproof eval --predictions` reads."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "prob"])
        for rel, prob in rows:
            writer.writerow([rel, f"{prob:.6f}"])


class MlflowRun:
    """One MLflow run over REST: log-batch for metrics/params/tags, mlflow-artifacts for files."""

    def __init__(self, tracking_uri=None, run_id=None):
        self.uri = (tracking_uri or os.environ.get("MLFLOW_TRACKING_URI", "")).rstrip("/")
        self.run_id = run_id or os.environ.get("MLFLOW_RUN_ID", "")
        self.token = os.environ.get("MLFLOW_TRACKING_TOKEN", "")
        if not self.uri or not self.run_id:
            sys.exit("MLFLOW_TRACKING_URI / MLFLOW_RUN_ID are not set: start this script with `leakproof run -- ...`")

    def _request(self, method, path, body=None, content_type="application/json"):
        data = json.dumps(body).encode() if content_type == "application/json" and body is not None else body
        req = urllib.request.Request(self.uri + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", content_type)
        if self.token:  # what MLflow's clients send when MLFLOW_TRACKING_TOKEN is set
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                text = res.read().decode() or "{}"
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")
            raise RuntimeError(f"{method} {path} refused ({err.code}): {detail}") from None
        return json.loads(text) if text.strip().startswith("{") else {}

    def log_batch(self, metrics=None, params=None, tags=None, step=0):
        """metrics: {key: value} at `step`; params/tags: {key: value} (values sent as strings, as MLflow does)."""
        now = int(time.time() * 1000)
        body = {
            "run_id": self.run_id,
            "metrics": [{"key": k, "value": float(v), "timestamp": now, "step": int(step)} for k, v in (metrics or {}).items()],
            "params": [{"key": k, "value": str(v)} for k, v in (params or {}).items()],
            "tags": [{"key": k, "value": str(v)} for k, v in (tags or {}).items()],
        }
        self._request("POST", "/api/2.0/mlflow/runs/log-batch", body)

    def artifact_root(self):
        info = self._request("GET", "/api/2.0/mlflow/runs/get?run_id=" + urllib.parse.quote(self.run_id))["run"]["info"]
        uri = info["artifact_uri"]  # mlflow-artifacts:/<experiment>/<run>/artifacts (optionally with //host:port)
        if not uri.startswith("mlflow-artifacts:"):
            raise RuntimeError(f"artifact_uri {uri} is not proxied by the tracking server")
        rest = uri[len("mlflow-artifacts:"):]
        if rest.startswith("//"):
            rest = rest[2:].split("/", 1)[1] if "/" in rest[2:] else ""
        return rest.strip("/")

    def log_artifact(self, local_path, artifact_path=""):
        """Uploads a file through the mlflow-artifacts proxy: PUT /api/2.0/mlflow-artifacts/artifacts/<root>/<path>/<name>."""
        name = os.path.basename(local_path)
        parts = [p for p in (self.artifact_root(), artifact_path.strip("/"), name) if p]
        with open(local_path, "rb") as f:
            data = f.read()
        quoted = "/".join(urllib.parse.quote(p) for p in "/".join(parts).split("/"))
        self._request("PUT", "/api/2.0/mlflow-artifacts/artifacts/" + quoted, data, "application/octet-stream")
