"""A small PyTorch CNN trainer for the Kermany layout, run under `leakproof run`:

    leakproof run --config examples/pytorch/experiment.json -- /usr/bin/python3 examples/pytorch/train.py

It trains on exactly the audited planned splits `leakproof run` hands it (LEAKPROOF_SPLITS: train, a
validation part carved by patient, test), logs every epoch to the bound run over MLflow's REST API with plain
HTTP (../mlflow_rest.py; the mlflow package is not needed), uploads the weights through mlflow-artifacts and
writes val_predictions.csv and test_predictions.csv into the run directory for
`leakproof eval <run> --predictions … --val-predictions …`, where the threshold is chosen on validation and
intervals come from the patient bootstrap.

Needs torch and Pillow (Debian: python3-torch python3-pil). Hyperparameters come from the experiment
config's `train` block: imageSize (64), epochs (12), batchSize (16), lr (0.002), seed (0), threads (1).
"""

import os
import random
import sys
import time

import torch
from PIL import Image
from torch import nn

sys.dont_write_bytecode = True  # no __pycache__ inside the repository
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from mlflow_rest import MlflowRun, bound_splits, write_predictions  # noqa: E402


class SmallCnn(nn.Module):
    """Four conv blocks (BN, ReLU, max-pool) and a linear head on global average pooling; ~25k weights."""

    def __init__(self, width=16):
        super().__init__()
        layers, channels = [], 1
        for out in (width, width * 2, width * 2, width * 4):
            layers += [nn.Conv2d(channels, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(channels, 1)

    def forward(self, x):
        return self.head(self.features(x).mean(dim=(2, 3))).squeeze(1)


def load_images(rows, size):
    """Grayscale, resized once; the sample is small enough to keep in memory as one tensor."""
    out = torch.empty(len(rows), 1, size, size)
    for i, row in enumerate(rows):
        with Image.open(row["absolute_path"]) as img:
            small = img.convert("L").resize((size, size), Image.BILINEAR)
        out[i, 0] = torch.frombuffer(bytearray(small.tobytes()), dtype=torch.uint8).view(size, size).float() / 255.0
    return out


def augment(x, pad=4):
    """Random shifts of up to `pad` pixels (no flips: a radiograph's left and right are not interchangeable)."""
    padded = nn.functional.pad(x, (pad, pad, pad, pad), mode="replicate")
    n, _, h, w = x.shape
    out = torch.empty_like(x)
    for i in range(n):
        dy, dx = random.randint(0, 2 * pad), random.randint(0, 2 * pad)
        out[i] = padded[i, :, dy : dy + h, dx : dx + w]
    return out


def roc_auc(probs, labels):
    order = torch.argsort(probs)
    ranks = torch.empty_like(probs)
    ranks[order] = torch.arange(1, len(probs) + 1, dtype=probs.dtype)
    pos = labels.sum().item()
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    return (ranks[labels == 1].sum().item() - pos * (pos + 1) / 2) / (pos * neg)


@torch.no_grad()
def predict(model, x, batch=64):
    model.eval()
    return torch.cat([torch.sigmoid(model(x[i : i + batch])) for i in range(0, len(x), batch)])


def main():
    splits = bound_splits()
    cfg = splits.get("train") or {}
    size = int(cfg.get("imageSize", 64))
    epochs = int(cfg.get("epochs", 12))
    batch_size = int(cfg.get("batchSize", 16))
    lr = float(cfg.get("lr", 0.002))
    seed = int(cfg.get("seed", 0))
    # one thread: this net is too small to gain from more, and on a shared machine OpenMP threads waiting on
    # each other made 3 epochs take 77 s instead of 9 s (measured under load ~25 on 2 cores)
    torch.set_num_threads(int(cfg.get("threads", 1)))
    torch.manual_seed(seed)
    random.seed(seed)
    run = MlflowRun()
    run_dir = os.environ["LEAKPROOF_RUN_DIR"]
    positive = splits["positiveClass"]

    started = time.time()
    rows = {s: [i for i in splits["images"] if i["split"] == s] for s in ("train", "val", "test")}
    x = {s: load_images(r, size) for s, r in rows.items()}
    y = {s: torch.tensor([1.0 if i["label"] == positive else 0.0 for i in r]) for s, r in rows.items()}
    mean, std = x["train"].mean(), x["train"].std()  # train statistics only
    x = {s: (v - mean) / std for s, v in x.items()}
    print(f"decoded {sum(len(r) for r in rows.values())} images at {size}px in {time.time() - started:.1f}s", flush=True)

    model = SmallCnn()
    pos = y["train"].sum()
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=(len(y["train"]) - pos) / pos)  # balance the classes
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
    steps = epochs * ((len(x["train"]) + batch_size - 1) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    known = set(cfg)
    own = {"model": "small-cnn", "imageSize": size, "epochs": epochs, "batchSize": batch_size, "lr": lr, "seed": seed, "framework": f"torch {torch.__version__}"}
    run.log_batch(params={k: v for k, v in own.items() if k not in known})  # config values are already recorded

    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(x["train"]))
        total = 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(augment(x["train"][idx])), y["train"][idx])
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        val_probs = predict(model, x["val"])
        val_loss = nn.functional.binary_cross_entropy(val_probs.clamp(1e-7, 1 - 1e-7), y["val"]).item()
        metrics = {
            "loss": total / len(order),
            "val_loss": val_loss,
            "val_auc": roc_auc(val_probs, y["val"]),
            "val_accuracy": ((val_probs >= 0.5).float() == y["val"]).float().mean().item(),
            "lr": schedule.get_last_lr()[0],
        }
        run.log_batch(metrics=metrics, step=epoch)
        print(f"epoch {epoch + 1}/{epochs} " + " ".join(f"{k} {v:.4f}" for k, v in metrics.items()), flush=True)

    weights = os.path.join(run_dir, "small-cnn.pt")
    torch.save({"state_dict": model.state_dict(), "imageSize": size, "mean": mean.item(), "std": std.item()}, weights)
    run.log_artifact(weights, "model")
    for split in ("val", "test"):
        probs = predict(model, x[split]).tolist()
        write_predictions(os.path.join(run_dir, f"{split}_predictions.csv"), [(r["path"], p) for r, p in zip(rows[split], probs)])
    print(f"done in {time.time() - started:.1f}s; wrote val_predictions.csv and test_predictions.csv", flush=True)


if __name__ == "__main__":
    main()
