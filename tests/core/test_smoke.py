from tests.conftest import bearer


def test_me_with_a_token(client, make_user):
    user = make_user("officer")
    r = client.get("/api/me", headers=bearer(client, user.username))
    assert r.status_code == 200
    assert r.json()["roles"] == ["officer"]
