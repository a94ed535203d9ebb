"""The OpenAPI schema and the two docs pages, served with no external asset."""

import re
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

URL = re.compile(r"""https?://[^\s"'()<>]+""")
LOCAL_HOSTS = {"testserver", "localhost", "127.0.0.1"}
ASSET = re.compile(r"""(?:href|src)=["']([^"']+)["']|url\(([^)]+)\)""")


def assets(text: str) -> list[str]:
    """``href``/``src`` attributes and CSS ``url()`` values."""
    return [(href or url).strip("'\"") for href, url in ASSET.findall(text)]


def external_urls(text: str) -> list[str]:
    absolute = [url for url in URL.findall(text) if urlsplit(url).hostname not in LOCAL_HOSTS]
    protocol_relative = [asset for asset in assets(text) if asset.startswith("//")]
    return absolute + protocol_relative


def test_schema_validates_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )

    assert "/api/auth/register/" in (tmp_path / "schema.yaml").read_text()


def test_schema_describes_every_auth_operation(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["info"] == {
        "title": "django-tutor API",
        "version": "0.9.0",
        "description": schema["info"]["description"],
        "license": {"name": "MIT", "url": "https://spdx.org/licenses/MIT.html"},
    }
    operations = {
        (path, method): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    for key in [
        ("/api/auth/register/", "post"),
        ("/api/auth/token/", "post"),
        ("/api/auth/me/", "get"),
        ("/api/auth/me/", "patch"),
    ]:
        assert key in operations
        examples = [
            example
            for response_ in operations[key]["responses"].values()
            for content in response_.get("content", {}).values()
            for example in content.get("examples", {})
        ]
        assert len(examples) >= 3, key


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_docs_page_loads_every_asset_from_this_host(client, page):
    response = client.get(page)

    assert response.status_code == 200
    html = response.content.decode()
    assert external_urls(html) == []
    for asset in assets(html):
        if asset.startswith("/static/"):
            served = client.get(asset)
            assert served.status_code == 200, asset
            body = b"".join(served.streaming_content) if served.streaming else served.content
            if asset.endswith(".css"):
                fonts = [url for url in assets(body.decode()) if not url.startswith("data:")]
                assert [url for url in fonts if "//" in url] == [], asset
                for font in fonts:
                    font_url = asset.rsplit("/", 1)[0] + "/" + font.removeprefix("./")
                    assert client.get(font_url).status_code == 200, font_url


def test_redoc_uses_the_self_hosted_fonts(client):
    html = client.get("/api/redoc/").content.decode()

    assert "/static/api_docs/fonts.css" in html
    assert "fonts.googleapis.com" not in html
