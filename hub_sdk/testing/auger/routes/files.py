"""Files: project files, dataset manifests, and the S3 stand-in behind presigned file URLs.

``POST /api/v1/project_file_urls`` hands out an S3 POST policy and ``GET`` a presigned download
link; both point at ``/_localhub/s3/<bucket>``, where this room checks the HMAC signature and
keeps the bytes in the store's blobs. A ``file_path`` names a file in the project's folder
``workspace/projects/<project name>/`` (a relative one lands in its ``files/``); anything else,
another project's folder or a path with ``..``, ``.``, empty or backslashed segments, is a 400.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, urlencode

from werkzeug.wrappers import Response

from ...http_json import dumps, respond
from ..catalogue import SPEC_BY_KIND
from ..engine.envelope import invalid, ok
from ..engine.request import HubRequest
from ..engine.room import Room, creates, route
from ..templates import Doc, iso, now_iso

__all__ = ["Files"]


def _s3_error(status: int, code: str, message: str) -> Response:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
        f"<Message>{message}</Message></Error>"
    )
    return respond(xml.encode(), status, "application/xml")


def _origin(req: HubRequest) -> str:
    """``scheme://host:port`` as the client sees this server."""
    return req.host_url.rstrip("/")


class Files(Room):
    """Project files, dataset manifests, presigned file URLs and the S3 stand-in."""

    @creates("project_file")
    def create_project_file(self, req: HubRequest) -> Doc:
        """A project file by URL (``processed`` on the next read)."""
        req.require("name", "url")
        project = self.project_for_create(req)
        url = str(req.params["url"])
        ctype = "text/csv" if url.endswith(".csv") else None
        return self.insert(
            "project_file",
            {
                "id": self.next_id("project_file"),
                "project_id": project["id"],
                "name": str(req.params["name"]),
                "url": url,
                "_project_id": project["id"],
                "_next": {
                    "status": "processed",
                    "content_type": ctype or "application/octet-stream",
                    "statistics": {"count": 0, "stat_data": []},
                },
            },
        )

    @creates("dataset_manifest")
    def create_dataset_manifest(self, req: HubRequest) -> Doc:
        """A dataset manifest with a client-chosen id."""
        req.require("id", "name", "statistics")
        if not isinstance(req.params["statistics"], dict):
            raise invalid("statistics", "must be an object")
        key = self.new_str_id(req, "dataset_manifest")
        values = req.pick(SPEC_BY_KIND["dataset_manifest"].writable)
        values.setdefault("display_name", str(req.params["name"]))
        values["id"] = key
        return self.insert("dataset_manifest", values)

    def _file_key(self, req: HubRequest) -> tuple[Doc, str, str]:
        req.require("project_id", "file_path")
        project = self.load(req, "project", req.params["project_id"])
        org = self.store.get("organization", project["organization_id"]) or {}
        bucket = str(org.get("main_bucket") or "localhub")
        folder = f"workspace/projects/{project['name']}/"
        path = str(req.params["file_path"])
        if path.startswith("s3://"):
            path = path.split("/", 3)[3] if path.count("/") >= 3 else ""
        path = path.lstrip("/")
        if not path.startswith("workspace/"):
            path = f"{folder}files/{path}"
        if (
            not path.startswith(folder)
            or any(part in ("", ".", "..") for part in path[len(folder) :].split("/"))
            or "\\" in path
            or not path.isprintable()
        ):
            raise invalid("file_path", f"must name a file in the project's folder {folder}")
        return project, bucket, path

    def _sign(self, text: str) -> str:
        return hmac.new(self.tokens.signing_secret, text.encode(), hashlib.sha256).hexdigest()

    @route("POST", "/api/v1/project_file_urls")
    def create_project_file_url(self, req: HubRequest) -> Response:
        """An S3 POST policy to upload a project file to the stand-in."""
        _, bucket, key = self._file_key(req)
        stamp = datetime.now(timezone.utc)
        expiration = iso(stamp + timedelta(hours=1))
        policy_doc = {
            "expiration": expiration,
            "conditions": [{"bucket": bucket}, {"key": key}, {"success_action_status": "201"}],
        }
        policy = base64.b64encode(dumps(policy_doc)).decode()
        fields = {
            "key": key,
            "success_action_status": "201",
            "policy": policy,
            "x-amz-credential": f"localhub/{stamp:%Y%m%d}/us-west-1/s3/aws4_request",
            "x-amz-algorithm": "AWS4-HMAC-SHA256",
            "x-amz-date": f"{stamp:%Y%m%dT%H%M%SZ}",
            "x-amz-security-token": "localhub",
            "x-amz-signature": self._sign(policy),
        }
        return ok({"fields": fields, "url": f"{_origin(req)}/_localhub/s3/{bucket}"})

    @route("GET", "/api/v1/project_file_urls")
    def get_project_file_url(self, req: HubRequest) -> Response:
        """A presigned link to download a project file from the stand-in."""
        _, bucket, key = self._file_key(req)
        expires = int(time.time()) + 3600
        query = urlencode(
            {
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Expires": "3600",
                "X-Amz-Date": str(expires),
                "X-Amz-Signature": self._sign(f"{bucket}/{key}:{expires}"),
            }
        )
        return ok({"url": f"{_origin(req)}/_localhub/s3/{bucket}/{quote(key)}?{query}"})

    @route("POST", "/_localhub/s3/<bucket>", auth="none", upload=True)
    def s3_upload(self, req: HubRequest, bucket: str) -> Response:
        """The S3 stand-in's POST upload, checked against the signed policy."""
        if req.mimetype != "multipart/form-data":
            return _s3_error(
                412,
                "PreconditionFailed",
                "Bucket POST must be of the enclosure-type multipart/form-data",
            )
        form, files = req.form, req.files
        policy, key = form.get("policy", ""), form.get("key", "")
        try:
            conditions = json.loads(base64.b64decode(policy))
        except (ValueError, TypeError):
            conditions = None
        allowed = (
            isinstance(conditions, dict)
            and {"bucket": bucket} in conditions.get("conditions", [])
            and {"key": key} in conditions.get("conditions", [])
        )
        if not allowed or not hmac.compare_digest(
            self._sign(policy), form.get("x-amz-signature", "")
        ):
            return _s3_error(403, "AccessDenied", "Invalid according to Policy")
        if str(conditions.get("expiration", "")) < now_iso():
            return _s3_error(403, "AccessDenied", "Invalid according to Policy: Policy expired")
        upload = files.get("file")
        if upload is None:
            return _s3_error(400, "InvalidArgument", "POST requires exactly one file upload")
        data = upload.read()
        self.store.put_blob(f"{bucket}/{key}", data, upload.mimetype or "application/octet-stream")
        status = form.get("success_action_status", "204")
        etag = hashlib.md5(data).hexdigest()
        if status == "201":
            xml = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>'
                f"{_origin(req)}/_localhub/s3/{bucket}/{quote(key)}</Location><Bucket>{bucket}"
                f'</Bucket><Key>{key}</Key><ETag>"{etag}"</ETag></PostResponse>'
            )
            return respond(xml.encode(), 201, "application/xml", [("ETag", f'"{etag}"')])
        code = 200 if status == "200" else 204
        return respond(b"", code, "text/plain", [("ETag", f'"{etag}"')])

    @route("GET", "/_localhub/s3/<bucket>/<path:key>", auth="none")
    def s3_download(self, req: HubRequest, bucket: str, key: str) -> Response:
        """The S3 stand-in's GET of a presigned link."""
        query = req.args
        expires = query.get("X-Amz-Date", "0")
        good = hmac.compare_digest(
            self._sign(f"{bucket}/{key}:{expires}"), query.get("X-Amz-Signature", "")
        )
        if not good or not expires.isdigit() or int(expires) < time.time():
            return _s3_error(403, "AccessDenied", "Request has expired or signature does not match")
        blob = self.store.get_blob(f"{bucket}/{key}")
        if blob is None:
            return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
        return respond(blob[0], 200, blob[1])
