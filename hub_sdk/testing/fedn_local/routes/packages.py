"""Compute packages and helpers: uploads, the active package, downloads and checksums.

An uploaded package becomes the active one; client processes download it and check its sha256
(role ``client``); the active helper is the active package's.
"""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from ...http_json import flask_json
from ..catalogue import API, ENTITIES
from ..engine.request import json_field, required, uploaded_file
from ..engine.room import Room, attachment, message, not_found, route
from ..validation import BadRequest, invalid, missing

__all__ = ["HELPERS", "Packages"]

#: The helpers a package may name.
HELPERS = ("numpyhelper", "binaryhelper", "androidhelper")
_PACKAGE_EXT = ("gz", "bz2", "tar", "zip", "tgz")
_MIMETYPES = {"tgz": "application/x-tar", "tar": "application/x-tar", "zip": "application/zip",
              "gz": "application/gzip", "bz2": "application/x-bzip2"}


class Packages(Room):
    """Package uploads and downloads, the active package and the active helper."""

    @route(f"{API}/packages/", "POST")
    def upload_package(self, request: Request) -> Response:
        """``POST /packages/`` multipart ``file``, ``helper``, ``name``, ``description``."""
        file = uploaded_file(request)
        form = request.form.to_dict()
        unknown = [k for k in form if k not in ("helper", "name", "description", "file_name")]
        if unknown:
            raise BadRequest("Invalid object")
        file_name = file.filename or ""
        for field, value in (("description", form.get("description")), ("file_name", file_name),
                             ("helper", form.get("helper")), ("name", form.get("name"))):
            if value is None:
                raise missing("PackageDTO", field)
        if not file_name:
            raise invalid("file_name", "File name is required")
        ext = file_name.rsplit(".", 1)[1].lower() if "." in file_name else ""
        if ext not in _PACKAGE_EXT:
            raise invalid("file_name", "File extension not allowed")
        if form["helper"] not in HELPERS:
            raise invalid("helper", "Helper is required or is invalid")
        doc = self.data.add_package_bytes(file.read(), ext, {
            "description": form["description"], "file_name": file_name,
            "helper": form["helper"], "name": form["name"],
        })
        self.data.set_active_package(doc["package_id"])
        return message("Package uploaded", 200)

    @route(f"{API}/packages/active", "GET")
    def get_active_package(self, request: Request) -> Response:
        """``GET /packages/active``."""
        active = self.data.active_package()
        if active is None:
            return message("Entity not found", 404)
        return flask_json(ENTITIES["packages"].render(active))

    @route(f"{API}/packages/active", "PUT")
    def put_active_package(self, request: Request) -> Response:
        """``PUT /packages/active {"id"}``."""
        package_id = required(request, "id")
        if not self.data.set_active_package(str(package_id)):
            return not_found(package_id)
        return message("Active package set", 200)

    @route(f"{API}/packages/active", "DELETE")
    def delete_active_package(self, request: Request) -> Response:
        """``DELETE /packages/active``: no package is active afterwards."""
        if self.data.active_package() is None:
            return message("Entity not found", 404)
        self.data.set_active_package(None)
        return message("Active package deleted", 200)

    @route(f"{API}/packages/download", "GET", role="client")
    def download_package(self, request: Request) -> Response:
        """``GET /packages/download[?name=]``: the active (or named) package file."""
        name = request.args.get("name")
        if name is None:
            active = self.data.active_package()
            if active is None:
                return message("No active package", 404)
            name = active["storage_file_name"]
        payload = self.data.package_bytes(name)
        if payload is None:
            return message(f"Package file {name} not found", 404)
        ext = name.rsplit(".", 1)[-1].lower()
        return attachment(request, payload, name, _MIMETYPES.get(ext, "application/octet-stream"))

    @route(f"{API}/packages/checksum", "GET", role="client")
    def package_checksum(self, request: Request) -> Response:
        """``GET /packages/checksum[?name=]``: sha256 of the package file."""
        name = request.args.get("name")
        if name is None and self.data.active_package() is None:
            return flask_json({"message": "No compute package uploaded", "checksum": None}, 404)
        checksum = self.data.package_checksum(name)
        if checksum is None:
            return flask_json({"message": "File not found.", "checksum": None}, 404)
        return flask_json({"message": "Checksum created.", "checksum": checksum})

    @route(f"{API}/helpers/active", "GET")
    def get_active_helper(self, request: Request) -> Response:
        """``GET /helpers/active``: the active package's helper name."""
        active = self.data.active_package()
        if active is None:
            return message("No active helper", 404)
        return flask_json(active["helper"])

    @route(f"{API}/helpers/active", "PUT")
    def put_active_helper(self, request: Request) -> Response:
        """``PUT /helpers/active {"helper"}``: change the active package's helper."""
        helper = json_field(request, "helper")
        if helper not in HELPERS:
            return message("Helper is required to be either 'numpyhelper', 'binaryhelper' "
                           "or 'androidhelper'", 400)
        active = self.data.active_package()
        if active is None:
            return message("No active package", 404)
        self.data.update("packages", active["package_id"], {"helper": helper})
        return message("Active helper set", 200)
