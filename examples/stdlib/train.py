"""A stdlib-only "trainer" that exercises the whole `leakproof run` path in every CI run.

    leakproof run --dataset data/sample/chest_xray -- python3 examples/stdlib/train.py

Python's standard library cannot decode JPEG and Pillow is not guaranteed, so the model reads three
statistics of each image file's compressed bytes: log file size, byte entropy and mean byte value of the
JPEG scan data. On the Kermany images PNEUMONIA radiographs compress smaller (the opacities carry less fine
detail), so a logistic regression on these features separates the classes far better than chance (ROC-AUC
around 0.9 on the in-repo sample). It is a pipeline exerciser, not a radiology model: the probabilities are
real and come from the images, but from how they were encoded as much as from what they show.

Per epoch it logs loss, val_loss, val_auc and val_accuracy over MLflow's REST API, uploads the fitted model
as an artifact, and writes val_predictions.csv and test_predictions.csv into the run directory for
`leakproof eval <run> --predictions … --val-predictions …`. Hyperparameters come from the experiment
config's `train` block (epochs, lr), else the defaults below.
"""

import json
import math
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ inside the repository
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from mlflow_rest import MlflowRun, bound_splits, write_predictions  # noqa: E402


def jpeg_features(path):
    with open(path, "rb") as f:
        data = f.read()
    start = data.find(b"\xff\xda")  # start of scan: what follows is the entropy-coded image
    scan = data[start:] if start >= 0 else data
    counts = [0] * 256
    for byte in scan:
        counts[byte] += 1
    n = max(len(scan), 1)
    entropy = -sum(c / n * math.log2(c / n) for c in counts if c)
    mean = sum(i * c for i, c in enumerate(counts)) / n
    return [math.log(len(data) + 1), entropy, mean / 255.0]


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def predict(weights, bias, x):
    return [sigmoid(sum(w * v for w, v in zip(weights, row)) + bias) for row in x]


def log_loss(probs, labels):
    eps = 1e-7
    return -sum(y * math.log(max(p, eps)) + (1 - y) * math.log(max(1 - p, eps)) for p, y in zip(probs, labels)) / max(len(labels), 1)


def roc_auc(probs, labels):
    pairs = sorted(zip(probs, labels))
    pos = sum(labels)
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    rank_sum, i = 0.0, 0
    while i < len(pairs):  # average ranks over ties
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        rank_sum += sum(1 for k in range(i, j) if pairs[k][1]) * (i + j + 1) / 2
        i = j
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def main():
    splits = bound_splits()
    cfg = splits.get("train") or {}
    epochs = int(cfg.get("epochs", 30))
    lr = float(cfg.get("lr", 0.5))
    positive = splits["positiveClass"]
    run = MlflowRun()
    run_dir = os.environ["LEAKPROOF_RUN_DIR"]

    data = {s: [i for i in splits["images"] if i["split"] == s] for s in ("train", "val", "test")}
    feats = {s: [jpeg_features(i["absolute_path"]) for i in rows] for s, rows in data.items()}
    labels = {s: [1 if i["label"] == positive else 0 for i in rows] for s, rows in data.items()}
    # standardise on train only, so nothing about val/test leaks into the features
    dims = len(feats["train"][0])
    mean = [sum(r[d] for r in feats["train"]) / len(feats["train"]) for d in range(dims)]
    std = [max(1e-9, math.sqrt(sum((r[d] - mean[d]) ** 2 for r in feats["train"]) / len(feats["train"]))) for d in range(dims)]
    x = {s: [[(r[d] - mean[d]) / std[d] for d in range(dims)] for r in rows] for s, rows in feats.items()}

    known = set(cfg)
    own_params = {"model": "logistic-regression", "features": "log_size,scan_entropy,scan_mean", "epochs": epochs, "lr": lr}
    # params already recorded from the config are immutable; log only what the config did not say
    run.log_batch(params={k: v for k, v in own_params.items() if k not in known})
    print(f"train {len(x['train'])} / val {len(x['val'])} / test {len(x['test'])} images; {epochs} epochs, lr {lr}")

    weights, bias = [0.0] * dims, 0.0
    n = len(x["train"])
    for epoch in range(epochs):
        probs = predict(weights, bias, x["train"])
        grad_w = [sum((p - y) * row[d] for p, y, row in zip(probs, labels["train"], x["train"])) / n for d in range(dims)]
        grad_b = sum(p - y for p, y in zip(probs, labels["train"])) / n
        weights = [w - lr * g for w, g in zip(weights, grad_w)]
        bias -= lr * grad_b
        val_probs = predict(weights, bias, x["val"])
        metrics = {
            "loss": log_loss(predict(weights, bias, x["train"]), labels["train"]),
            "val_loss": log_loss(val_probs, labels["val"]),
            "val_auc": roc_auc(val_probs, labels["val"]),
            "val_accuracy": sum((p >= 0.5) == bool(y) for p, y in zip(val_probs, labels["val"])) / max(len(val_probs), 1),
        }
        run.log_batch(metrics=metrics, step=epoch)
        print(f"epoch {epoch + 1}/{epochs} " + " ".join(f"{k} {v:.4f}" for k, v in metrics.items()))

    model_path = os.path.join(run_dir, "stdlib-model.json")
    with open(model_path, "w", encoding="utf-8") as f:
        json.dump({"weights": weights, "bias": bias, "mean": mean, "std": std, "features": own_params["features"]}, f)
    run.log_artifact(model_path, "model")
    for split in ("val", "test"):
        probs = predict(weights, bias, x[split])
        write_predictions(os.path.join(run_dir, f"{split}_predictions.csv"), [(i["path"], p) for i, p in zip(data[split], probs)])
    print(f"wrote {run_dir}/val_predictions.csv and test_predictions.csv")


if __name__ == "__main__":
    main()
