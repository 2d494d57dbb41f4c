"""`make demo`: start a LocalHub on 127.0.0.1 and run the examples against it.

Runs the Auger quickstart (organization → project → experiment → sessions → trials, a
pipeline, a prediction, a typed error) and the federated example (package, seed model, a
simulated FEDn session, the model trail, the final model) on one embedded server.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import federated
import quickstart

from hub_sdk.errors import UnauthenticatedWarning
from hub_sdk.testing import LocalHub


def main() -> None:
    """Start one LocalHub, run both examples, stop it."""
    # LocalHub's FEDn controller runs without auth: connecting without a token is expected here.
    warnings.filterwarnings("ignore", category=UnauthenticatedWarning)
    with LocalHub(seed="demo") as hub:
        print(f"LocalHub running: Auger Hub at {hub.url}, FEDn controller at {hub.fedn_url}\n")
        print("=" * 72 + "\nAuger Hub quickstart\n" + "=" * 72)
        quickstart.main(hub.url, hub.project_token)
        print("\n" + "=" * 72 + "\nFEDn federated session\n" + "=" * 72)
        federated.main(hub.fedn_url)
    print("\nDemo finished: LocalHub stopped.")


if __name__ == "__main__":
    main()
