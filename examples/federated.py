"""Federated learning with hub-sdk: package, seed model, a session, the model trail, the result.

    python examples/federated.py                      # on an embedded LocalHub (simulated clients)
    FEDN_URL=http://127.0.0.1:8092 FEDN_AUTH_TOKEN=... python examples/federated.py

Without ``FEDN_URL`` it starts its own ``LocalHub()``, whose FEDn controller runs a clearly
labelled *simulated* network of clients, so the session finishes in seconds.
"""

from __future__ import annotations

import io
import os
import struct
import tarfile
import tempfile
import zipfile
from pathlib import Path

from hub_sdk import fedn


def write_package(path: Path) -> Path:
    """A tiny compute package (.tgz): a fedn.yaml and an entry point."""
    members = {
        "client/fedn.yaml": b"entry_points:\n  train:\n    command: python train.py\n",
        "client/train.py": b"print('training...')\n",
    }
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def npy(values: list[float]) -> bytes:
    """A version 1.0 .npy file holding a 1-D float64 array (no numpy needed)."""
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({len(values)},), }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"  # pad to a multiple of 64 bytes
    body = struct.pack(f"<{len(values)}d", *values)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + body


def write_seed_model(path: Path) -> Path:
    """A seed model (.npz: one .npy per layer, as FEDn's numpyhelper stores them)."""
    layers = [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0]]
    with zipfile.ZipFile(path, "w") as archive:
        for i, layer in enumerate(layers):
            archive.writestr(f"{i}.npy", npy(layer))
    return path


def main(url: str, token: str | None = None) -> None:
    """Run the federated walk-through against the FEDn controller at ``url``."""
    conn = fedn.connect(url, token=token, default=False)
    with conn, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        package = fedn.Package.upload(
            write_package(folder / "package.tgz"), helper="numpyhelper", name="demo-package"
        )
        print(f"active package: {package.name} ({package.helper})")
        seed = fedn.Model.upload(write_seed_model(folder / "seed.npz"), name="demo-seed")
        print(f"seed model:     {seed.pk}")

        clients = fedn.Client.active()
        print(f"online clients: {len(clients)}; controller {fedn.controller_status()}")

        session = fedn.Session.start(rounds=3, aggregator="fedavg", model=seed, round_timeout=60)
        print(f"session {session.name} started; waiting for its rounds")
        session.wait(timeout=120, progress=True)
        print(f"session {session.status}")

        models = session.models()
        final = models[-1]
        print("\nmodel trail (seed first):")
        for model in final.trail():
            print(f"  {model.pk}  parent={str(model.parent_model)[:8]:8}  {model.committed_at}")

        print("\nvalidation metrics of the final model:")
        for validation in final.validations():
            sender = validation.sender.name if validation.sender else "?"
            metrics = ", ".join(f"{k}={v:.3f}" for k, v in sorted(validation.metrics.items()))
            print(f"  {sender}: {metrics}")

        target = final.download(folder / "final.npz")
        print(f"\nfinal model downloaded: {target.name}, {target.stat().st_size} bytes")


if __name__ == "__main__":
    env_url = os.environ.get("FEDN_URL")
    if env_url:
        main(env_url, os.environ.get("FEDN_AUTH_TOKEN") or None)
    else:
        from hub_sdk.testing import LocalHub

        with LocalHub() as hub:
            print(f"LocalHub FEDn controller (simulated clients) at {hub.fedn_url}\n")
            main(hub.fedn_url)
