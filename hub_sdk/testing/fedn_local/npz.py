"""``.npz`` model files without numpy: what numpyhelper reads and writes, by hand.

:func:`npz_bytes` writes a small valid archive of 1-D float64 arrays (``0.npy``, ``1.npy``, ...)
as FEDn's numpyhelper saves a model; :func:`npz_arrays` reads one back (C-order float, int
or bool arrays, flattened). Tests, benchmarks and examples make their seed models with them, and the
simulated network reads, trains and writes its models through them.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence

__all__ = ["npy_bytes", "npz_arrays", "npz_bytes"]


def npy_bytes(values: Sequence[float]) -> bytes:
    """A version 1.0 ``.npy`` file holding ``values`` as a 1-D little-endian float64 array."""
    header = f"{{'descr': '<f8', 'fortran_order': False, 'shape': ({len(values)},), }}"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    raw = struct.pack(f"<{len(values)}d", *values)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + raw


def npz_bytes(arrays: Sequence[Sequence[float]]) -> bytes:
    """A ``.npz`` archive of 1-D float64 arrays named ``0.npy``, ``1.npy``, ... (numpyhelper's)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for i, values in enumerate(arrays):
            info = zipfile.ZipInfo(f"{i}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, npy_bytes(values))
    return buf.getvalue()


def _parse_npy(data: bytes) -> list[float]:
    """Read a 1-D (or flattened) little-endian float/int ``.npy`` payload; raise ValueError."""
    if data[:6] != b"\x93NUMPY":
        raise ValueError("not a .npy file")
    major = data[6]
    if major == 1:
        hlen, start = struct.unpack("<H", data[8:10])[0], 10
    else:
        hlen, start = struct.unpack("<I", data[8:12])[0], 12
    header = data[start : start + hlen].decode("latin1")
    body = data[start + hlen :]
    formats = {"<f8": "d", "<f4": "f", "<i8": "q", "<i4": "i", "|u1": "B", "|b1": "?"}
    code = next((c for d, c in formats.items() if f"'{d}'" in header), None)
    if code is None or "'fortran_order': True" in header:
        raise ValueError(f"unsupported array header: {header.strip()}")
    n = len(body) // struct.calcsize(code)
    return [float(v) for v in struct.unpack(f"<{n}{code}", body[: n * struct.calcsize(code)])]


def npz_arrays(data: bytes) -> list[list[float]]:
    """The arrays of an ``.npz`` archive, in member order (ValueError if it is not one)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = [n for n in z.namelist() if n.endswith(".npy")]
            if not names:
                raise ValueError("no .npy member in the archive")
            names.sort(key=lambda n: (len(n), n))
            return [_parse_npy(z.read(n)) for n in names]
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not an .npz archive: {exc}") from None
