"""``wait(progress=True)`` on a terminal: a "round N/M" bar with the latest mean metrics."""

from __future__ import annotations

import io
import json

import pytest

from hub_sdk import fedn
from hub_sdk.fedn.history import RoundHistory, RoundResult
from hub_sdk.fedn.waiting import RequestBudget, _Reporter


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def result(number: int, mean_weight: float) -> RoundResult:
    rnd = fedn.Round.model_validate({"round_id": str(number), "status": "Finished",
                                     "round_config": {"session_id": "s", "model_id": "m0"}})
    model = fedn.Model.model_validate({"model_id": f"model-{number}", "parent_model": "m0"})
    checks = [fedn.Validation.model_validate({
        "validation_id": f"v{number}-{i}", "model_id": model.model_id,
        "data": json.dumps({"mean_weight": mean_weight + i}),
        "sender": {"name": f"client{i}", "role": "CLIENT"}}) for i in (1, 2)]
    return RoundResult(number, rnd, model, checks)


def test_the_bar_counts_rounds_and_shows_the_latest_means() -> None:
    pytest.importorskip("tqdm")
    session = fedn.Session(session_id="s1", name="demo")
    terminal = Terminal()
    reporter = _Reporter(session, 2, stream=terminal)
    reporter.tick(None)  # while round 1 runs, before any round ended
    assert "session demo: round 1/2" in terminal.getvalue()
    first = result(1, 4.0)
    reporter.round(first, 1)
    reporter.tick(RoundHistory([first]))
    err = terminal.getvalue()
    assert "round 1/2 Finished: model model-1, mean mean_weight 5.5 (2 clients)" in err
    assert "round 2/2" in err and "mean_weight=5.5" in err
    reporter.close()


def test_without_a_terminal_each_round_is_one_plain_line() -> None:
    stream = io.StringIO()
    reporter = _Reporter(fedn.Session(session_id="s1", name="demo"), 2, stream=stream)
    reporter.tick(None)
    reporter.round(result(1, 1.0), 1)
    reporter.round(result(2, 2.0), 2)
    reporter.close()
    lines = stream.getvalue().splitlines()
    assert [x.split(" [")[0] for x in lines] == [
        "round 1/2 Finished: model model-1, mean mean_weight 2.5 (2 clients)",
        "round 2/2 Finished: model model-2, mean mean_weight 3.5 (2 clients)",
    ]


def test_request_budget_allows_a_burst_then_the_average_rate() -> None:
    now = [0.0]
    budget = RequestBudget(1.0, 3, clock=lambda: now[0])
    for _ in range(3):
        assert budget.wait_time() == 0
        budget.take()
    assert budget.wait_time() == pytest.approx(1.0)
    now[0] += 0.5
    assert budget.wait_time() == pytest.approx(0.5)
    now[0] += 10
    assert budget.available() == pytest.approx(3)  # never more than the burst
