"""RUL baseline for bench/rul.ts: scikit-learn HistGradientBoostingRegressor() with its defaults,
fitted on the same feature matrix and training rows as ours, predicting the same last rows."""
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor


def main(job_path: str, out_path: str) -> None:
    with open(job_path) as f:
        job = json.load(f)
    p = int(job["p"])
    X = np.asarray(job["x_train"], dtype=np.float64).reshape(-1, p)
    y = np.asarray(job["y_train"], dtype=np.float64)
    Xt = np.asarray(job["x_test"], dtype=np.float64).reshape(-1, p)
    model = HistGradientBoostingRegressor(random_state=int(job["seed"]))
    model.fit(X, y)
    with open(out_path, "w") as f:
        json.dump({"test": model.predict(Xt).astype(float).tolist(), "sklearn": __import__("sklearn").__version__}, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
