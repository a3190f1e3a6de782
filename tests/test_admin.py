"""/admin/* is separate from use: its own key (MEDCODE_ADMIN_KEY), or loopback clients only
when none is set; the API key (which a public page may embed for the widget) never admits."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from api.settings import Settings

API_KEY, ADMIN_KEY = "api-secret", "admin-secret"
REMOTE, LOOPBACK, LOOPBACK6 = ("203.0.113.7", 50000), ("127.0.0.1", 50000), ("::1", 50000)


def _client(small_index, address: tuple[str, int], **settings: Any) -> TestClient:
    index_dir, opener = small_index
    app = create_app(Settings(index_dir=index_dir, **settings), opener)
    return TestClient(app, client=address, raise_server_exceptions=False)


def _reload(client: TestClient, **headers: str) -> int:
    return client.post("/admin/reload", headers=headers).status_code


@pytest.mark.parametrize("address", [LOOPBACK, LOOPBACK6])
def test_without_an_admin_key_loopback_clients_may_reload(small_index, address) -> None:
    with _client(small_index, address, api_key=API_KEY) as client:
        assert _reload(client) == 200  # the API key is not asked for either
        assert client.get("/search", params={"q": "urge incontinence"}).status_code == 401


def test_without_an_admin_key_other_clients_may_not_even_with_the_api_key(small_index) -> None:
    with _client(small_index, REMOTE, api_key=API_KEY) as client:
        r = client.post("/admin/reload", headers={"X-API-Key": API_KEY})
        assert r.status_code == 403
        assert "MEDCODE_ADMIN_KEY" in r.json()["error"]["message"]
        assert _reload(client) == 403
        search = client.get("/search", params={"q": "urge"}, headers={"X-API-Key": API_KEY})
        assert search.status_code == 200  # the API itself answers remote clients


@pytest.mark.parametrize("address", [REMOTE, LOOPBACK])
def test_with_an_admin_key_only_that_key_reloads(small_index, address) -> None:
    with _client(small_index, address, api_key=API_KEY, admin_key=ADMIN_KEY) as client:
        assert _reload(client) == 401  # loopback too needs the key once one is set
        assert _reload(client, **{"X-API-Key": API_KEY}) == 401
        assert _reload(client, Authorization=f"Bearer {API_KEY}") == 401
        assert _reload(client, **{"X-Admin-Key": API_KEY}) == 401
        assert _reload(client, **{"X-Admin-Key": ADMIN_KEY + "x"}) == 401
        assert _reload(client, **{"X-Admin-Key": ADMIN_KEY}) == 200
        assert _reload(client, Authorization=f"Bearer {ADMIN_KEY}") == 200
        r = client.get("/search", params={"q": "urge"}, headers={"X-Admin-Key": ADMIN_KEY})
        assert r.status_code == 401  # and the admin key is no API key


def test_the_admin_key_must_differ_from_the_api_key(tmp_path) -> None:
    with pytest.raises(ValidationError, match="must differ"):
        Settings(index_dir=tmp_path, api_key=API_KEY, admin_key=API_KEY)
