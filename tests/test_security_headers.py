"""Content-Security-Policy: every HTML page gets one that allows only this site's own files."""

import pytest

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": {"'none'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "form-action": {"'self'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
}


def policy(response) -> dict[str, set[str]]:
    """The header's directives (django-csp does not keep their order)."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: set(values) for name, *values in directives}


@pytest.mark.parametrize(
    "path",
    ["/", "/admin/login/", "/api/docs/"],
)
def test_every_html_page_has_the_strict_policy(client, path):
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert policy(response) == POLICY


def test_the_admin_pages_of_a_curator_have_it(client, curator):
    client.force_login(curator)
    for path in ["/admin/", "/admin/tracker/claim/", "/admin/tracker/source/add/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert policy(response) == POLICY


def test_swagger_ui_loads_its_set_up_script_from_the_site_not_inline(client):
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_redoc_relaxes_the_policy_for_its_own_page_only(client):
    relaxed = policy(client.get("/api/redoc/"))
    assert relaxed["script-src"] == relaxed["style-src"] == {"'self'", "'unsafe-inline'"}
    assert policy(client.get("/")) == POLICY


@pytest.mark.parametrize("path", ["/api/v1/events/", "/api/v1/", "/api/v1/claims/1/history/"])
def test_the_browsable_api_allows_inline_styles_and_nothing_more(client, path):
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
    assert policy(response) == {**POLICY, "style-src": {"'self'", "'unsafe-inline'"}}
