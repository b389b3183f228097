"""Reading API responses in tests."""


def slugs(response) -> list[str]:
    """The slugs of a list page's results, after checking the request succeeded."""
    assert response.status_code == 200, response.json()
    return [item["slug"] for item in response.json()["results"]]
