"""The network's nodes: clients joining and configuring, combiners, attributes and telemetry.

Client processes call ``/clients/add`` (role ``client``) to be assigned a combiner of the
simulated network; ``/clients/config`` tells them where the controller is. Nodes report
attributes and telemetry; ``/attributes/current`` gives each client's latest values.
"""

from __future__ import annotations

import time
from typing import Any

from werkzeug.wrappers import Request, Response

from ...http_json import flask_json
from ..catalogue import API, ENTITIES, Doc, parse_date
from ..engine.request import json_field, required
from ..engine.room import Room, not_found, route
from ..validation import BadRequest, invalid, missing

__all__ = ["Network"]


class Network(Room):
    """Clients, combiners, attributes and telemetry."""

    # ------------------------------------------------------------------ clients and combiners

    @route(f"{API}/clients/add", "POST", role="client")
    def add_client(self, request: Request) -> Response:
        """``POST /clients/add``: assign a client to a combiner (role ``client``)."""
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadRequest("Invalid object")
        package = body.get("package", "local")
        helper_type = ""
        if package == "remote":
            active = self.data.active_package()
            if active is None:
                return flask_json({"success": False, "status": "retry", "message":
                                   "No compute package found. Set package in controller."}, 203)
            helper_type = active["helper"]
        preferred = body.get("combiner_preferred")
        combiners = self.sim.combiner_names()
        if preferred:
            if preferred not in combiners:
                return flask_json({"success": False, "message":
                                   f"Combiner {preferred} not found or unavailable."}, 400)
            combiner_name = preferred
        elif combiners:
            combiner_name = combiners[0]
        else:
            return flask_json({"success": False, "message": "No combiner available."}, 400)
        combiner = self.data.get("combiners", combiner_name) or {}
        client_id = body.get("client_id") or None
        fields = {"name": body.get("name"), "combiner": combiner_name,
                  "combiner_preferred": preferred, "ip": request.remote_addr,
                  "status": "available", "package": package, "last_seen": time.time()}
        if client_id and self.data.get("clients", client_id) is not None:
            self.data.update("clients", client_id, fields)
        else:
            client_id = self.data.add("clients", {"client_id": client_id, **fields})["client_id"]
        return flask_json({"status": "assigned", "host": combiner.get("address"),
                           "fqdn": combiner.get("fqdn"), "package": package,
                           "ip": combiner.get("ip"), "port": combiner.get("port"),
                           "helper_type": helper_type, "client_id": client_id})

    @route(f"{API}/clients/config", "GET")
    def client_config(self, request: Request) -> Response:
        """``GET /clients/config``: where clients discover the controller."""
        host, _, port = request.host.rpartition(":")
        if not host:
            host, port = request.host, "80"
        payload: Doc = {"network_id": self.sim.network_id, "discover_host": host,
                        "discover_port": int(port) if port.isdigit() else port}
        if request.args.get("checksum", "true").lower() == "true":
            checksum = self.data.package_checksum()
            if checksum is not None:
                payload["checksum"] = checksum
        return flask_json(payload)

    @route(f"{API}/combiners/clients/count", "POST")
    def clients_per_combiner(self, request: Request) -> Response:
        """``POST /combiners/clients/count``: connected clients per combiner."""
        wanted = json_field(request, "combiners", "")
        names = [n for n in str(wanted).split(",") if n] if wanted else []
        counts: dict[str, int] = {}
        for c in self.sim.online_clients():
            if not names or c["combiner"] in names:
                counts[c["combiner"]] = counts.get(c["combiner"], 0) + 1
        return flask_json({"result": [{"combiner": k, "count": v} for k, v in counts.items()]})

    # ------------------------------------------------------------------ attributes

    def _current_attributes(self, client_id: str) -> Doc:
        """A client's attributes, the newest value of each key."""
        docs, _ = self.data.list("attributes", {"sender.client_id": client_id})
        out: Doc = {}
        for doc in reversed(docs):  # oldest first, so the newest value wins
            out[doc["key"]] = doc["value"]
        return out

    @route(f"{API}/clients/<string:id>/attributes", "GET")
    def client_attributes(self, request: Request, id: str) -> Response:
        """``GET /clients/<id>/attributes``: the client's current attribute values."""
        if self.data.get("clients", id) is None:
            return not_found(id)
        return flask_json(self._current_attributes(id))

    @route(f"{API}/attributes/current", "POST")
    def current_attributes(self, request: Request) -> Response:
        """``POST /attributes/current {"client_ids": [...]}``."""
        ids = required(request, "client_ids")
        out: Doc = {}
        for cid in ids:
            if self.data.get("clients", cid) is None:
                out[cid] = f"Entity with client_id: {cid} not found"
            else:
                out[cid] = self._current_attributes(cid)
        return flask_json(out)

    @route(f"{API}/attributes/", "POST")
    def add_attribute(self, request: Request) -> Response:
        """``POST /attributes/ {key, value, sender}``: the value is kept as text."""
        return self._add_node_record("attributes", "AttributeDTO", request)

    @route(f"{API}/telemetry/", "POST")
    def add_telemetry(self, request: Request) -> Response:
        """``POST /telemetry/ {key, value, sender}``: the value must be a number."""
        return self._add_node_record("telemetry", "TelemetryDTO", request)

    def _add_node_record(self, name: str, cls: str, request: Request) -> Response:
        """Store what a node reports (an attribute or telemetry) → 201 with the object."""
        entity = ENTITIES[name]
        body: Any = request.get_json(silent=True)
        if body is None:
            body = request.form.to_dict()
        if not isinstance(body, dict):
            raise BadRequest("Invalid object")
        if any(k not in entity.fields or k in ("committed_at", "updated_at") for k in body):
            raise BadRequest("Invalid object")
        for field in ("key", "value"):
            if field not in body:
                raise missing(cls, field)
        doc = dict(body)
        sender = doc.get("sender") or {}
        if not isinstance(sender, dict):
            raise BadRequest("Invalid object")
        doc["sender"] = {"name": sender.get("name"), "role": sender.get("role"),
                         "client_id": sender.get("client_id")}
        if doc.get("timestamp") is not None:
            ts = parse_date(doc["timestamp"])
            if ts is None:
                raise invalid("timestamp", "Invalid date")
            doc["timestamp"] = ts
        if name == "attributes":
            doc["value"] = None if doc["value"] is None else str(doc["value"])
        elif not isinstance(doc["value"], (int, float)) or isinstance(doc["value"], bool):
            raise invalid("value", "must be a number")
        added = self.data.add(name, doc)
        return flask_json(entity.render(added), 201)
