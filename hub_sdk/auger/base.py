"""The base class of every Auger Hub resource."""

from __future__ import annotations

from typing import Any, ClassVar, Optional

import pydantic
from pydantic import BaseModel

from ..core.resource import Resource

_input_models: dict[type[Any], type[BaseModel]] = {}


class AugerResource(Resource, api="auger"):
    """An Auger Hub object: ``object``/``deleted`` on every stored object, unknown fields kept.

    ``__inputs__`` declares request-only arguments (such as a pipeline's ``trial_id``) with their
    types, so that they are validated before sending like the declared fields.
    """

    __inputs__: ClassVar[dict[str, Any]] = {}

    object: str | None = None
    deleted: bool | None = None

    @classmethod
    def _input_model(cls) -> type[BaseModel]:
        model = _input_models.get(cls)
        if model is None:
            model = super()._input_model()
            if cls.__inputs__:
                extra: dict[str, Any] = {
                    name: (Optional[tp], None)  # noqa: UP045 - runtime type object
                    for name, tp in cls.__inputs__.items()
                }
                model = pydantic.create_model(f"{cls.__name__}Arguments", __base__=model, **extra)
            _input_models[cls] = model
        return model
