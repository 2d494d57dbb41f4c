"""``html_text``: the one place an HTML error page becomes a line of text."""

from __future__ import annotations

from hub_sdk.core.text import html_text


def test_html_text_drops_markup_scripts_and_styles_and_decodes_entities() -> None:
    page = (
        "<!DOCTYPE html>\n<html><head><style>body { color: red }</style>"
        "<script type='text/javascript'>alert('x')</script><title>Application Error</title>"
        "</head>\n<body>\n  <p>Tom &amp; Jerry&nbsp;&lt;3</p></body></html>"
    )
    assert html_text(page) == "Application Error Tom & Jerry <3"
    assert html_text('{"message": "plain"}') == '{"message": "plain"}'
    assert html_text("") == ""
