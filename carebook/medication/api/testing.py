"""Test support: talk to the JSON API as a member of staff, with a real bearer token over Django's test client."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from carebook.access.models import User
from carebook.access.services import api_token_create

BASE = "/api/v1"


class ApiClient:
    """Requests to /api/v1 as ``user``, authenticated by a personal token (``Authorization: Bearer``)."""

    def __init__(self, user: User | None, token: str | None = None) -> None:
        self.user = user
        if token is None and user is not None:
            token = api_token_create(user=user)[1]
        self.token = token
        self.client = Client()

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.get(BASE + path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        data = json.dumps(body) if body is not None and not isinstance(body, str) else body
        return self.client.post(
            BASE + path, data=data or "", content_type="application/json", headers=self._headers(headers)
        )


def api_as(user: User | None, token: str | None = None) -> ApiClient:
    return ApiClient(user, token)
