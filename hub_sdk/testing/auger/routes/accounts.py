"""Accounts: ``POST /api/v1/tokens`` logs a user in with e-mail and password."""

from __future__ import annotations

from werkzeug.wrappers import Response

from ..engine.auth import check_password
from ..engine.envelope import ok, unauthenticated
from ..engine.request import HubRequest
from ..engine.room import Room, route

__all__ = ["Accounts"]


class Accounts(Room):
    """The login route (no token needed)."""

    @route("POST", "/api/v1/tokens", auth="none")
    def create_token(self, req: HubRequest) -> Response:
        """``POST /tokens {email, password}``: a user JWT (401 when they do not match)."""
        email, password = req.params.get("email"), req.params.get("password")
        if isinstance(email, str) and isinstance(password, str):
            users, _ = self.store.query("user", {"email": email}, limit=1)
            if users and check_password(users[0].get("_password", ""), password):
                token = self.tokens.jwt(email)
                return ok({"token": token, "confirmation_required": False})
        raise unauthenticated("Email or password incorrect")
