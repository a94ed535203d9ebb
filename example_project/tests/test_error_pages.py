"""What never reaches a DRF view still answers /api/ clients in the one error shape."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/lessons/abc/cancel/", "/api/lessons/1,2/reschedule/", "/api/nothing-here/"]
)
def test_an_unknown_api_url_is_a_json_404(client, path):
    response = client.post(path)
    assert response.status_code == 404
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
    }


@pytest.mark.django_db
def test_an_unknown_page_outside_the_api_keeps_the_html_404(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.failing_urls")
def test_a_crash_under_the_api_is_a_json_500(client):
    client.raise_request_exception = False
    response = client.get("/api/crash/")
    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == "error"
    assert response.json()["type"] == "server_error"


@pytest.mark.urls("tests.failing_urls")
def test_a_crash_outside_the_api_keeps_the_html_500(client):
    client.raise_request_exception = False
    response = client.get("/crash/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
