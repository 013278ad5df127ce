"""Side-by-side baselines for bench/training.bench.ts: scikit-learn HistGradientBoosting
and XGBoost on the SAME folds and features. Reads a JSON job file (features, target,
fold indices), writes validation/test probabilities and fit times; metrics and the
threshold rule are computed by the TypeScript bench so every model is judged alike."""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from xgboost import XGBClassifier


def main(job_path: str, out_path: str) -> None:
    with open(job_path) as f:
        job = json.load(f)
    X = np.asarray(job["x"], dtype=np.float32).reshape(job["n"], job["p"])
    y = np.asarray(job["y"], dtype=np.int64)
    seed = int(job["seed"])
    makers = {
        "sklearn-hgb": lambda: HistGradientBoostingClassifier(random_state=seed),
        "xgboost": lambda: XGBClassifier(
            n_estimators=300, max_depth=4, learning_rate=0.1, tree_method="hist", random_state=seed, n_jobs=1
        ),
    }
    out = {"versions": {"sklearn": __import__("sklearn").__version__, "xgboost": __import__("xgboost").__version__}, "models": {}}
    for name, make in makers.items():
        folds = []
        for fold in job["folds"]:
            tr, va, te = (np.asarray(fold[k], dtype=np.int64) for k in ("train", "validation", "test"))
            model = make()
            t0 = time.perf_counter()
            model.fit(X[tr], y[tr])
            fit_s = time.perf_counter() - t0
            folds.append({
                "fit_s": fit_s,
                "validation": model.predict_proba(X[va])[:, 1].astype(float).tolist(),
                "test": model.predict_proba(X[te])[:, 1].astype(float).tolist(),
            })
        out["models"][name] = folds
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
