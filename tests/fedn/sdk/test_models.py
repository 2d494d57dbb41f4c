"""Packages and models: uploads, downloads, renames, lineage, listings and typed errors."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from hub_sdk import fedn
from hub_sdk.errors import BadRequestError, NotFoundError, ValidationError
from hub_sdk.testing.fedn_local.npz import npz_bytes

from ..conftest import FednServer
from ..helpers import SEED_ARRAYS, package_bytes
from .conftest import connect_to


def test_model_before_package_is_refused_before_sending(make_fedn_server) -> None:
    server: FednServer = make_fedn_server(clients=0)
    conn = connect_to(server)
    try:
        with pytest.raises(fedn.NoActivePackageError, match=r"Package\.upload"):
            fedn.Model.upload(npz_bytes(SEED_ARRAYS), connection=conn)
        assert fedn.Model.count(connection=conn) == 0
        assert fedn.Package.active(connection=conn) is None
        assert fedn.Package.active_helper(connection=conn) is None
    finally:
        conn.close()


def test_package_upload_becomes_active(package: fedn.Package, files: dict[str, Path]) -> None:
    assert package.is_active is True
    assert package.name == "sdk-package"
    assert package.helper == "numpyhelper"
    assert package.file_name == "package.tgz"
    assert package.description  # the server requires one; the SDK supplies a default
    assert isinstance(package.committed_at, datetime) and package.committed_at.tzinfo
    active = fedn.Package.active()
    assert active == package
    assert fedn.Package.get(package.pk).name == "sdk-package"
    assert fedn.Package.active_helper() == "numpyhelper"
    assert package in fedn.Package.list().to_list()


def test_package_download_round_trip(package: fedn.Package, tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    target = package.download(tmp_path / "pkg.tgz", progress=lambda d, t: seen.append((d, t)))
    assert target.read_bytes() == package_bytes()
    assert package.download() == package_bytes()
    assert seen and seen[-1][0] == len(package_bytes())


def test_active_helper_set(package: fedn.Package) -> None:
    fedn.Package.set_active_helper("numpyhelper")
    assert fedn.Package.active_helper() == "numpyhelper"
    with pytest.raises(BadRequestError):
        fedn.Package.set_active_helper("no-such-helper")


def test_seed_upload_and_download(seed: fedn.Model, files: dict[str, Path], tmp_path: Path) -> None:
    assert seed.name == "sdk-seed"
    assert seed.parent_model is None and seed.parent is None
    assert seed.session is None
    assert fedn.Model.get(seed.pk) == seed
    out = seed.download(tmp_path / "m.npz")
    assert out == tmp_path / "m.npz" and out.stat().st_size > 0
    data = seed.download()
    assert data[:2] == b"PK"  # an .npz archive
    assert b"".join(seed.stream(chunk_size=7)) == data


def test_upload_without_name_gets_a_unique_one(seed: fedn.Model, files: dict[str, Path]) -> None:
    model = fedn.Model.upload(files["seed"])
    assert model.name is not None and model.name.startswith("seed-")
    assert model.pk != seed.pk


def test_rename_sends_patch(package: fedn.Package, files: dict[str, Path]) -> None:
    model = fedn.Model.upload(files["seed"], name=f"to-rename-{uuid.uuid4().hex[:6]}")
    new = f"renamed-{uuid.uuid4().hex[:6]}"
    assert model.rename(new).name == new
    assert fedn.Model.get(model.pk).name == new
    assert model.changes() == {}


def test_trail_of_a_seed(seed: fedn.Model) -> None:
    assert seed.ancestors() == []
    assert seed.trail() == [seed]
    assert seed.ancestors(include_self=True) == [seed]
    assert seed.descendants() == []


def test_listing_paging_sorting_and_filters(package: fedn.Package, files: dict[str, Path]) -> None:
    tag = uuid.uuid4().hex[:6]
    names = [f"list-{tag}-{i}" for i in range(7)]
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    for name in names:
        fedn.Model.upload(files["seed"], name=name)
    ours = list(names)
    listed = fedn.Model.list(page_size=2, order_by="name", name__ne="sdk-seed")
    got = [m.name for m in listed if m.name and m.name.startswith(f"list-{tag}")]
    assert got == sorted(ours)
    desc = [m.name for m in fedn.Model.list(order_by="-name", page_size=3)]
    mine = [n for n in desc if n and n.startswith(f"list-{tag}")]
    assert mine == sorted(ours, reverse=True)
    one = fedn.Model.list(name=names[3])
    assert len(one) == 1 and one[0].name == names[3]
    assert fedn.Model.count(name=names[3]) == 1
    total = fedn.Model.count()
    assert len(fedn.Model.list(page_size=2)) == total
    assert len(fedn.Model.list(limit=3, page_size=2).to_list()) == 3
    recent = fedn.Model.list(committed_at__gt=before)
    assert set(names) <= {m.name for m in recent}
    assert (
        len(fedn.Model.list(committed_at__gt=datetime.now(timezone.utc) + timedelta(days=1))) == 0
    )
    latest = fedn.Model.latest()
    assert latest is not None and latest.committed_at is not None


def test_typed_errors(seed: fedn.Model) -> None:
    with pytest.raises(NotFoundError) as err:
        fedn.Model.get("no-such-model")
    assert err.value.status == 404 and "no-such-model" in str(err.value)
    with pytest.raises(NotFoundError):
        fedn.Session.get("no-such-session")
    conn = seed.connection
    assert conn is not None
    sent = conn.requests_sent
    with pytest.raises(ValidationError) as refused:  # the server would answer 400
        fedn.Session.create(seed_model_id=seed.pk, session_config={"clients_required": 0})
    assert refused.value.fields == ["clients_required"] and conn.requests_sent == sent


def test_timestamps_are_aware(seed: fedn.Model) -> None:
    fresh = fedn.Model.get(seed.pk)
    assert fresh.committed_at is not None and fresh.committed_at.tzinfo is not None
    assert abs(fresh.committed_at - datetime.now(timezone.utc)) < timedelta(hours=1)


def test_upload_and_download_progress(seed: fedn.Model, files: dict[str, Path], tmp_path: Path,
                                      capsys) -> None:
    sent: list[tuple[int, int | None]] = []
    model = fedn.Model.upload(files["seed"], name=f"progress-{uuid.uuid4().hex[:6]}",
                              progress=lambda done, total: sent.append((done, total)))
    assert sent and sent[-1][0] == sent[-1][1]  # every byte of the multipart body reported
    assert [d for d, _ in sent] == sorted(d for d, _ in sent)
    assert model.download() == fedn.Model.get(model.pk).download()
    model.download(tmp_path / "bar.npz", progress=True)  # a progress bar on stderr
    assert "download bar.npz" in capsys.readouterr().err
    fedn.Package.upload(package_bytes(), name="progress-pkg", progress=True)
    assert "upload package.tgz" in capsys.readouterr().err
