"""Prediction entry point: ``python predict.py IN OUT`` writes the model's mean weight."""

import json
import sys

import numpy as np


def main(in_path: str, out_path: str) -> None:
    """Write ``{"prediction": mean weight}`` for the model at ``in_path``."""
    archive = np.load(in_path)
    flat = np.concatenate([archive[str(i)].ravel() for i in range(len(archive.files))])
    with open(out_path, "w") as fh:
        json.dump({"prediction": float(flat.mean())}, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
