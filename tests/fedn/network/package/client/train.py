"""Training entry point: ``python train.py IN OUT``.

Every weight moves by this client's ``FEDN_TEST_DELTA`` (default 1.0) and the update says it
was trained on ``FEDN_TEST_EXAMPLES`` examples (default 1), so a FedAvg round's result is
``w + sum(n_i * delta_i) / sum(n_i)`` exactly. A model whose first weight is
-999 is refused: the step exits 1 and writes nothing, as a broken
training script would.
"""

import json
import os
import sys

import numpy as np

POISON = -999.0


def main(in_path: str, out_path: str) -> None:
    """Read the global model, take one deterministic step, write the update and its metadata."""
    archive = np.load(in_path)
    weights = [archive[str(i)] for i in range(len(archive.files))]
    if weights and weights[0].size and float(weights[0].flat[0]) == POISON:
        sys.exit("training failed: the model is poisoned (first weight -999)")
    delta = float(os.environ.get("FEDN_TEST_DELTA", "1.0"))
    examples = int(os.environ.get("FEDN_TEST_EXAMPLES", "1"))
    updated = [w + delta for w in weights]
    np.savez_compressed(out_path, **{str(i): w for i, w in enumerate(updated)})
    with open(out_path + "-metadata", "w") as fh:
        json.dump({"num_examples": examples, "batch_size": 1, "epochs": 1, "lr": delta}, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
