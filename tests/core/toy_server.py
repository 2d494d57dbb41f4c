"""A tiny real HTTP server speaking the Auger envelope, for testing the core over loopback."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ToyServer:
    """``widgets`` (int ids) and their ``gadgets`` (string ids, ``widget_id``); pages capped."""

    def __init__(self, token: str = "toy-token", page_cap: int = 7) -> None:
        self.token = token
        self.page_cap = page_cap
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, dict[str, Any]]] = []
        self.data: dict[str, dict[str, dict[str, Any]]] = {"widgets": {}, "gadgets": {}}
        self.next_id = 1
        handler = self._handler()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> ToyServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add(self, kind: str, **fields: Any) -> dict[str, Any]:
        with self.lock:
            if "id" not in fields:
                fields["id"] = self.next_id
                self.next_id += 1
            obj = {"object": kind[:-1], "deleted": False, **fields}
            self.data[kind][str(fields["id"])] = obj
            return obj

    def requests_to(self, method: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        return [r for r in self.log if method is None or r[0] == method]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Request-Id", f"req-{len(server.log)}")
                self.end_headers()
                self.wfile.write(body)

            def _error(
                self, status: int, etype: str, message: str, param: str | None = None
            ) -> None:
                err = {"error_type": etype, "message": message}
                if param:
                    err["error_param"] = param
                self._reply(status, {"meta": {"status": status, "errors": [err]}})

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    params = json.loads(raw) if raw else {}
                except ValueError:
                    self._error(400, "invalid_param", "malformed JSON", "body")
                    return
                server.log.append((self.command, self.path, params))
                if params.pop("project_api_token", None) != server.token:
                    self._error(401, "unauthenticated", "User should be logged in")
                    return
                parts = self.path.split("?")[0].strip("/").split("/")[2:]
                kind = parts[0] if parts else ""
                if kind not in server.data:
                    self._error(404, "not_found", "no route")
                    return
                table = server.data[kind]
                if len(parts) == 1 and self.command == "GET":
                    offset, limit = int(params.pop("offset", 0)), int(params.pop("limit", 50))
                    rows = [
                        r for r in table.values() if all(r.get(k) == v for k, v in params.items())
                    ]
                    page = rows[offset : offset + min(limit, server.page_cap)]
                    pag = {"limit": limit, "offset": offset, "count": len(page), "total": len(rows)}
                    self._reply(200, {"data": page, "meta": {"status": 200, "pagination": pag}})
                elif len(parts) == 1 and self.command == "POST":
                    if not params.get("name"):
                        self._error(400, "invalid_param", "is required", "name")
                        return
                    self._reply(200, {"data": server.add(kind, **params), "meta": {"status": 200}})
                elif len(parts) == 3 and parts[1] in table and parts[2] == "polish":
                    table[parts[1]]["kind_label"] = "polished"
                    self._reply(200, {"data": table[parts[1]], "meta": {"status": 200}})
                elif len(parts) == 2 and parts[1] in table:
                    obj = table[parts[1]]
                    if self.command == "PATCH":
                        obj.update(params)
                    elif self.command == "DELETE":
                        obj = dict(table.pop(parts[1]), deleted=True)
                    self._reply(200, {"data": obj, "meta": {"status": 200}})
                else:
                    self._error(404, "not_found", f"Couldn't find {kind[:-1].title()}")

            do_GET = do_POST = do_PATCH = do_DELETE = _handle

        return Handler
