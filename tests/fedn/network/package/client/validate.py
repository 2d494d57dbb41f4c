"""Validation entry point: ``python validate.py IN OUT`` writes metrics of the global model.

``mean_weight`` is the mean of every weight, ``distance`` the squared distance to this
client's ``FEDN_TEST_TARGET`` (default 10.0): both follow from the weights, so tests can
predict them.
"""

import json
import os
import sys

import numpy as np


def main(in_path: str, out_path: str) -> None:
    """Compute the metrics of the model at ``in_path`` and write them to ``out_path``."""
    archive = np.load(in_path)
    flat = np.concatenate([archive[str(i)].ravel() for i in range(len(archive.files))])
    target = float(os.environ.get("FEDN_TEST_TARGET", "10.0"))
    metrics = {
        "mean_weight": float(flat.mean()),
        "distance": float(((flat - target) ** 2).sum()),
        "examples": int(os.environ.get("FEDN_TEST_EXAMPLES", "1")),
    }
    with open(out_path, "w") as fh:
        json.dump(metrics, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
