"""Baselines of bench:vision, run by /usr/bin/python3 on the files vision.bench.ts writes.

  torch: the same small CNN (Conv 3x3 s2 -> ReLU -> MaxPool -> Conv -> ReLU -> MaxPool -> Conv
         -> ReLU -> GAP -> Linear) in PyTorch on CPU, same tiles, augmentation (flips,
         transposition, shifts), Adam, weighted BCE, batch, epochs and early stopping on the
         same validation tiles' AUROC.
  hgb:   scikit-learn HistGradientBoostingClassifier on the same texture features.
Writes <dir>/<model>_val.f32 and <model>_test.f32 (tile scores of every board, row-major
grid) and <model>.json {train_s, ms_per_board} (ms: CPU time per board, one thread).
"""
import json
import sys
import time

import numpy as np


def auroc(y, s):
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    # average ranks of ties
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks)
    ranks = (sums / counts)[inv]
    p = y.sum()
    n = len(y) - p
    return float((ranks[y == 1].sum() - p * (p + 1) / 2) / (p * n))


def load(d, name, dtype, shape):
    return np.fromfile(f"{d}/{name}", dtype=dtype).reshape(shape)


def run_torch(d, meta):
    import torch
    from torch import nn

    torch.manual_seed(meta["seed"])
    rng = np.random.default_rng(meta["seed"])
    T, P = meta["tile"], meta["pad"]
    C = T + 2 * P
    crops = load(d, "train_crops.u8", np.uint8, (-1, C, C))
    y = load(d, "train_labels.u8", np.uint8, (-1,)).astype(np.float32)
    val_tiles = torch.from_numpy(load(d, "val_tiles.u8", np.uint8, (-1, 1, T, T)).astype(np.float32) / 255)
    val_y = load(d, "val_labels.u8", np.uint8, (-1,))
    c1, c2, c3 = meta["channels"]

    def net():
        m = nn.Sequential(
            nn.Conv2d(1, c1, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c2, c3, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c3, 1),
        )
        for layer in m:
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)
        return m

    torch.set_num_threads(meta["threads"])
    model = net()
    opt = torch.optim.Adam(model.parameters(), lr=meta["lr"])
    pos = y.sum()
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(y) - pos) / pos), reduction="sum")
    started = time.time()
    best, best_auc, since = None, -1.0, 0
    n = len(y)
    for epoch in range(meta["epochs"]):
        model.train()
        order = rng.permutation(n)
        for b0 in range(0, n, meta["batch"]):
            ids = order[b0:b0 + meta["batch"]]
            batch = np.empty((len(ids), 1, T, T), np.float32)
            for r, i in enumerate(ids):
                dx, dy = rng.integers(-P, P + 1, 2)
                t = crops[i, P + dy:P + dy + T, P + dx:P + dx + T]
                if rng.random() < 0.5:
                    t = t[:, ::-1]
                if rng.random() < 0.5:
                    t = t[::-1, :]
                if rng.random() < 0.5:
                    t = t.T
                batch[r, 0] = t / 255.0
            target = torch.from_numpy(y[ids]).unsqueeze(1)
            weights = torch.where(target > 0, torch.tensor((len(y) - pos) / pos), torch.tensor(1.0))
            opt.zero_grad()
            loss = loss_fn(model(torch.from_numpy(batch)), target) / weights.sum()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            auc = auroc(val_y, model(val_tiles).squeeze(1).numpy())
        print(f"torch epoch {epoch + 1}: validation AUROC {auc:.4f}", file=sys.stderr)
        if auc > best_auc:
            best_auc, best, since = auc, {k: v.clone() for k, v in model.state_dict().items()}, 0
        else:
            since += 1
            if since >= meta["patience"]:
                break
    train_s = time.time() - started
    model.load_state_dict(best)
    model.eval()
    torch.set_num_threads(1)
    S, stride = meta["size"], meta["stride"]

    def score(name, count):
        boards = load(d, name, np.uint8, (count, S, S))
        out = np.empty((count, meta["cols"] * meta["rows"]), np.float32)
        cpu = 0.0
        with torch.no_grad():
            for i in range(count):
                t0 = time.process_time()
                img = torch.from_numpy(boards[i].astype(np.float32) / 255)
                tiles = img.unfold(0, T, stride).unfold(1, T, stride).reshape(-1, 1, T, T)
                out[i] = model(tiles).squeeze(1).numpy()
                cpu += time.process_time() - t0
        return out, cpu * 1000 / max(count, 1)

    val, _ = score("val_boards.u8", meta["val_boards"])
    test, ms = score("test_boards.u8", meta["test_boards"])
    return val, test, train_s, ms


def run_hgb(d, meta):
    from sklearn.ensemble import HistGradientBoostingClassifier

    F = meta["features"]
    x = load(d, "train_features.f32", np.float32, (-1, F))
    y = load(d, "train_feature_labels.u8", np.uint8, (-1,))
    started = time.time()
    clf = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, max_leaf_nodes=31, early_stopping=True, validation_fraction=0.15, n_iter_no_change=15, random_state=meta["seed"])
    clf.fit(x, y)
    train_s = time.time() - started
    tiles = meta["cols"] * meta["rows"]

    def score(name, count):
        f = load(d, name, np.float32, (count, tiles, F))
        out = np.empty((count, tiles), np.float32)
        t0 = time.process_time()
        for i in range(count):
            out[i] = clf.predict_proba(f[i])[:, 1]
        return out, (time.process_time() - t0) * 1000 / max(count, 1)

    val, _ = score("val_board_features.f32", meta["val_boards"])
    test, ms = score("test_board_features.f32", meta["test_boards"])
    return val, test, train_s, ms


def main():
    model, d = sys.argv[1], sys.argv[2]
    with open(f"{d}/meta.json") as f:
        meta = json.load(f)
    val, test, train_s, ms = (run_torch if model == "torch" else run_hgb)(d, meta)
    val.astype(np.float32).tofile(f"{d}/{model}_val.f32")
    test.astype(np.float32).tofile(f"{d}/{model}_test.f32")
    with open(f"{d}/{model}.json", "w") as f:
        json.dump({"train_s": train_s, "ms_per_board": ms}, f)


if __name__ == "__main__":
    main()
