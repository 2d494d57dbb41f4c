"""Notebook displays of listings: a preview of a few rows, and DataFrames with stable columns."""

from __future__ import annotations

import re
import warnings

from hub_sdk import auger, fedn
from hub_sdk.core.display import PREVIEW_ROWS
from hub_sdk.testing import LocalHub


def test_listing_html_is_a_preview(local_hub_session: LocalHub) -> None:
    conn = auger.connect(
        local_hub_session.url, project_token=local_hub_session.project_token, default=False
    )
    trials = auger.Trial.list(connection=conn)
    html = trials._repr_html_()
    total = trials.total
    assert total is not None and total > PREVIEW_ROWS
    assert html.count("<tr>") == PREVIEW_ROWS + 1  # the header row and the preview
    assert re.search(rf"{PREVIEW_ROWS} of {total}\b", html), html[:300]
    few = auger.Trial.list(connection=conn, limit=3)._repr_html_()
    assert few.count("<tr>") == 4 and "3 of 3" in few
    conn.close()


def test_to_pandas_puts_the_id_first_and_keeps_columns_when_empty(
    local_hub_session: LocalHub,
) -> None:
    conn = auger.connect(
        local_hub_session.url, project_token=local_hub_session.project_token, default=False
    )
    frame = auger.Experiment.list(connection=conn).to_pandas()
    assert frame.columns[0] == "id" and len(frame) >= 3
    empty = auger.Trial.list(connection=conn, experiment_session_id="nosuch").to_pandas()
    assert len(empty) == 0
    assert empty.columns[0] == "id"
    assert {"score_value", "experiment_session_id"} <= set(empty.columns)
    conn.close()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = fedn.connect(local_hub_session.fedn_url, default=False)
    none = fedn.Model.list(connection=net, name="no-such-model").to_pandas()
    assert len(none) == 0 and none.columns[0] == "model_id"
    assert "committed_at" in none.columns
    net.close()
