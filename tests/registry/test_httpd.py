"""The development server: static files, the control endpoint, confinement to its root."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

from server.registry.httpd import RegistryServer

if TYPE_CHECKING:
    from pathlib import Path


def test_control_endpoint_queues_faults(httpd: RegistryServer) -> None:
    """POST /_control queues a fault for matching paths; `clear` drops the queue."""
    with httpx.Client(base_url=httpd.url, trust_env=False) as http:
        assert http.post("/_control", json={"fault": "503", "count": 2}).status_code == 200
        assert [http.get("/index.json").status_code for _ in range(3)] == [503, 503, 200]
        http.post("/_control", json={"fault": "429", "count": 5, "retry_after": 3})
        limited = http.get("/index.json")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "3"
        http.post("/_control", json={"clear": True})
        assert http.get("/index.json").status_code == 200
        assert http.post("/_control", json={"fault": "nope"}).status_code == 400


def test_control_needs_faults_mode(registry_dir: Path) -> None:
    """Without --faults the control endpoint does not exist; paths cannot escape the root."""
    with (
        RegistryServer(registry_dir) as server,
        httpx.Client(base_url=server.url, trust_env=False) as http,
    ):
        assert http.post("/_control", json={"fault": "503"}).status_code == 404
        assert http.get("/index.json").status_code == 200
        assert http.get("/../../etc/passwd").status_code == 404


def test_inject_validates(httpd: RegistryServer) -> None:
    """Unknown faults and options are refused."""
    with pytest.raises(ValueError, match="unknown fault"):
        httpd.inject("explode")
    with pytest.raises(ValueError, match="unknown fault option"):
        httpd.inject("503", colour="red")
