"""Tables show server data safely: escaped control characters, aligned wide characters."""

from __future__ import annotations

from hub_sdk.auger.experiments import Experiment
from hub_sdk.cli import output

# -- tables ----------------------------------------------------------------------------------


def test_tables_escape_control_characters() -> None:
    hostile = "a\x1b[31mred\x1b]0;title\x07\x00b\u202eevil\u2066x\r\n"
    cell = output.text(hostile, 200)
    assert not any(ch in cell for ch in "\x1b\x00\x07\r\n\u202e\u2066")
    assert "\\x1b" in cell and "\\u202e" in cell
    exp = Experiment.model_validate({"id": "e1", "name": hostile, "project_id": 1})
    for render in (output.print_list, output.print_object):
        buf = _Buffer()
        render([exp] if render is output.print_list else exp, buf)  # type: ignore[operator]
        assert not any(ch in buf.text for ch in "\x1b\x00\x07\r\u202e\u2066"), buf.text


def test_tables_align_wide_characters() -> None:
    rows = [["実験データ", "x"], ["ab", "y"], ["e\u0301t\u00e9", "z"]]
    lines = output.table(["name", "k"], rows).splitlines()
    ends = {output.width(line[: line.rindex(k)]) for line, k in zip(lines[2:], "xyz")}
    assert len(ends) == 1, lines
    assert output.width(output.text("漢" * 40, 10)) <= 10


class _Buffer:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)

    def flush(self) -> None:
        pass
