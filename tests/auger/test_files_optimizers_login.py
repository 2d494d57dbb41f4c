"""Project file upload/download through presigned URLs, the gzip optimizers service, login."""

from __future__ import annotations

import gzip
import json

import pytest

from hub_sdk import auger
from hub_sdk.errors import ServerError


class Recorder:
    """Wraps a connection's session to keep every prepared request it sends."""

    def __init__(self, conn):
        self.sent = []
        self._send = conn.session.send
        conn.session.send = self

    def __call__(self, prep, **kw):
        self.sent.append(prep)
        return self._send(prep, **kw)


def test_project_file_upload_download_round_trip(conn, hub, tmp_path):
    source = tmp_path / "iris.csv"
    source.write_bytes(b"a,b\n1,2\n3,4\n")
    rec = Recorder(conn)
    pfile = auger.ProjectFile.upload(source, project_id=1, name="iris-upload")
    assert pfile.name == "iris-upload" and pfile.url.startswith("s3://")
    assert pfile in list(auger.Project.get(1).files())
    upload = next(p for p in rec.sent if "/_localhub/s3/" in p.url)
    assert upload.method == "POST" and b"iris.csv" in upload.body
    assert hub.project_token.encode() not in upload.body  # no hub credentials to S3
    assert pfile.download() == source.read_bytes()
    target = pfile.download(tmp_path / "copy.csv")
    assert target.read_bytes() == source.read_bytes()
    download = [p for p in rec.sent if "/_localhub/s3/" in p.url][-1]
    assert download.method == "GET" and download.body is None
    link = auger.ProjectFileUrl.fetch(project_id=1, file_path=pfile.url)
    assert link.fields is None and link.url.startswith(hub.url)


def test_project_file_upload_and_download_report_progress(conn, hub, tmp_path):
    source = tmp_path / "big.csv"
    source.write_bytes(b"x,y\n" + b"1,2\n" * 50_000)
    sent: list[tuple[int, int | None]] = []
    pfile = auger.ProjectFile.upload(
        source, project_id=1, progress=lambda d, t: sent.append((d, t))
    )
    assert len(sent) > 1 and sent[-1][0] == sent[-1][1] > source.stat().st_size
    got: list[tuple[int, int | None]] = []
    target = pfile.download(tmp_path / "back.csv", progress=lambda d, t: got.append((d, t)))
    assert target.read_bytes() == source.read_bytes()
    assert got[-1][0] == source.stat().st_size


def test_project_file_url_form(conn):
    form = auger.ProjectFileUrl.create(project_id=1, file_path="test.csv")
    assert form.fields is not None and form.fields["key"].endswith("files/test.csv")
    assert form.bucket and form.s3_url == f"s3://{form.bucket}/{form.fields['key']}"
    form.upload(b"x,y\n", filename="test.csv")
    assert auger.ProjectFileUrl.fetch(project_id=1, file_path="test.csv").download() == b"x,y\n"


def test_optimizers_send_gzip_json_with_the_body_token(conn, hub):
    rec = Recorder(conn)
    out = auger.next_trials(
        optimizer_name="auger_ml.optimizers.pso_optimizer.PSOOptimizer",
        search_space={"sklearn.svm.SVC": {"C": {"bounds": [0.1, 10], "type": "float"}}},
        trial_workers_count=3,
        optimizer_context={"k": "v"},
    )
    assert isinstance(out, auger.NextTrials) and len(out.trials) == 3
    assert out.optimizer_context == {"k": "v"}
    prep = rec.sent[-1]
    assert prep.url == f"{hub.optimizers_url}/next_trials"
    assert prep.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(prep.body))
    assert body["project_api_token"] == hub.project_token and body["trial_workers_count"] == 3
    v2 = auger.next_trials_v2({"search_space": {"a.B": {}}, "trials_limit": 2})
    assert len(v2.trials) == 2 and isinstance(v2.trials[0], auger.TrialProposal)
    assert auger.fte(alg_name="SVM", alg_params={"C": 1}, nrows=1000, ncols=10) > 0


def test_optimizer_calls_are_retried(conn, hub):
    hub.faults.next("503", route="POST /fte", times=1)
    assert auger.fte(alg_name="SVM", alg_params={}) > 0
    hub.faults.next("503", route="POST /fte", times=5)
    with pytest.raises(ServerError) as err:
        auger.fte(alg_name="SVM", alg_params={})
    assert err.value.may_have_been_applied is False


def test_next_trials_reads_every_recorded_shape():
    assert auger.NextTrials.from_data([[{"algorithm_name": "a"}], {"c": 1}]).optimizer_context == {
        "c": 1
    }
    assert len(auger.NextTrials.from_data([{"algorithm_name": "a"}]).trials) == 1
    assert auger.NextTrials.from_data({"trials": [], "optimizer_context": {}}).trials == []


def test_login_returns_a_user_token_connection(hub):
    conn = auger.login(hub.user_email, hub.user_password, url=hub.url, default=False)
    assert conn.auth.kind == "token"
    assert hub.user_password not in repr(conn)
    experiments = auger.Experiment.list(connection=conn)
    assert {e.project_id for e in experiments} >= {1, 2}  # a user sees every project
    token = auger.Token.create(email=hub.user_email, password=hub.user_password, connection=conn)
    assert token.token is not None and token.token.reveal().count(".") == 2
    assert token.token.reveal() not in repr(token) and "****" in repr(token.token)
    conn.close()


def test_login_uses_the_default_hub(hub):
    first = auger.connect(hub.url, project_token=hub.project_token)
    try:
        conn = auger.login(hub.user_email, hub.user_password)
        assert conn.base_url == hub.url and auger.Project.get(2).id == 2
        conn.close()
    finally:
        first.close()
        from hub_sdk.core import context

        context.clear_default("auger")
