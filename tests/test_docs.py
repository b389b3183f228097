"""The dashboards guide's examples: every address it gives answers, in the format it says."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "dashboards.md").read_text()
README = (ROOT / "README.md").read_text()


def addresses(text: str) -> list[str]:
    """Paths of the http://127.0.0.1:8000 URLs in a text: less Grafana's $variables and the
    admin (which asks for a login); a base such as ``/api/v1`` (pandas' BASE) as its index."""
    paths = set()
    for path in re.findall(r"http://127\.0\.0\.1:8000(/[^\s'`\")]*)?", text):
        path = (path or "/").rstrip(".,:;")
        if "$" in path or path.startswith("/admin/"):
            continue
        if "?" not in path and not path.endswith(("/", ".csv")):
            path += "/"
        paths.add(path)
    # The pandas examples: f"{BASE}/stats/..." with BASE = "http://127.0.0.1:8000/api/v1"
    paths.update(f"/api/v1{path}" for path in re.findall(r'f"\{BASE\}(/[^"]*)"', text))
    return sorted(paths)


@pytest.mark.parametrize("path", sorted(set(addresses(GUIDE) + addresses(README))))
def test_every_example_address_answers(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    wants_csv = "format=csv" in path or path.split("?")[0].endswith(".csv")
    if path.startswith("/api/v1/") and path != "/api/v1/":
        expected = "text/csv; charset=utf-8" if wants_csv else "application/json"
        assert response["Content-Type"] == expected, path


def test_the_guide_lists_every_csv_column():
    from tracker.api import exports

    for export in (exports.EVENTS, exports.CLAIMS, exports.ACTORS, exports.SOURCES):
        row = next(line for line in GUIDE.splitlines() if line.startswith(f"| {export.name} |"))
        assert row.split("|")[2].strip() == ", ".join(f"`{name}`" for name in export.header)


def test_the_guide_shows_real_stats_rows(client):
    rows = client.get("/api/v1/stats/actors/?kind=person&rank=claims&limit=2").json()
    assert f'"actor": "{rows[0]["actor"]}"' in GUIDE and f'"claims": {rows[1]["claims"]}' in GUIDE
