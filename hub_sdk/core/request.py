"""``Request``: one outgoing API call as a value, from the codec that lays it out to the wire.

A protocol builds it (where params travel is the API's business), the connection's auth adds
its credential to it, and the connection sends it, retrying as its method allows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from typing_extensions import TypedDict

Timeout = float | tuple[float, float] | None
Expect = Literal["json", "text", "bytes", "stream"]
UploadProgress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class Request:
    """What to send: ``path`` is an API path (or an absolute URL), ``body`` is JSON.

    ``files``/``form`` make a multipart form and ``raw_body`` is sent as is (either one
    instead of ``body``); ``upload_progress(sent, total)`` follows a multipart upload.
    ``timeout``, ``max_retries`` and ``deadline`` (seconds for the whole call, retries and
    body included) override the connection's (None: its own). ``expect``
    says how a success is read: ``json`` (through the API's envelope), ``text``, ``bytes``
    or ``stream``. ``auth=False`` sends no credential.
    """

    method: str
    path: str
    query: Mapping[str, Any] | None = None
    body: Any = None
    headers: Mapping[str, str] | None = None
    files: Any = None
    form: Mapping[str, Any] | None = None
    raw_body: bytes | None = None
    upload_progress: UploadProgress | None = None
    timeout: Timeout = None
    max_retries: int | None = None
    expect: Expect = "json"
    auth: bool = True
    deadline: float | None = None

    def _replace(self, **changes: Any) -> Request:
        """A copy with ``changes`` (``dataclasses.replace`` without its per-call overhead)."""
        new = object.__new__(Request)
        new.__dict__.update(self.__dict__, **changes)
        return new

    def with_header(self, name: str, value: str) -> Request:
        """This request with one more header."""
        return self._replace(headers={**(self.headers or {}), name: value})

    def with_body_field(self, name: str, value: Any) -> Request:
        """This request with one more field where its body has fields (JSON object or form).

        A raw body, or a JSON body that is not an object, is left as it is.
        """
        if self.files is not None or self.form is not None:
            return self._replace(form={**(self.form or {}), name: value})
        if self.raw_body is not None:
            return self
        if self.body is None or isinstance(self.body, Mapping):
            return self._replace(body={**(self.body or {}), name: value})
        return self


class RequestOptions(TypedDict, total=False):
    """The keyword arguments of a :class:`Request` besides its method, path, query and body."""

    headers: Mapping[str, str] | None
    files: Any
    form: Mapping[str, Any] | None
    raw_body: bytes | None
    upload_progress: UploadProgress | None
    timeout: Timeout
    max_retries: int | None
    auth: bool
    deadline: float | None
