"""Fixtures for the core tests: a toy Auger-like server and resources declared on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar

import pytest

from hub_sdk.auger import AugerResource, connect
from hub_sdk.core import Action, Children, OptionalParent, Parent, context

from .toy_server import ToyServer


class Widget(
    AugerResource,
    path="widgets",
    actions="list get create update delete",
    create_required="name",
    read_only="kind_label",
):
    """A toy resource with an int id."""

    id: int
    name: str | None = None
    size: int | None = None
    tags: list[str] | None = None
    settings: dict[str, Any] | None = None
    created_at: datetime | None = None
    kind_label: str | None = None

    gadgets: ClassVar[Children[Gadget]] = Children("Gadget", key="widget_id")
    polish: ClassVar[Action[Widget]] = Action("PATCH", "polish")


class Gadget(AugerResource, path="gadgets", actions="list get create", filters="widget_id"):
    """A toy child resource with a string id."""

    id: str | int
    name: str | None = None
    widget_id: int | None = None

    widget: ClassVar[Parent[Widget]] = Parent("Widget", key="widget_id")
    maybe_widget: ClassVar[OptionalParent[Widget]] = OptionalParent("Widget", key="widget_id")


@pytest.fixture()
def toy() -> Iterator[ToyServer]:
    with ToyServer() as server:
        yield server


@pytest.fixture()
def conn(toy: ToyServer) -> Iterator[Any]:
    c = connect(toy.url, project_token=toy.token, max_retries=0, default=False)
    with c:
        yield c
    c.close()
    context.clear_default("auger")
