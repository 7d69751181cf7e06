def test_healthz_reports_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_dashboard_needs_a_launched_session(client):
    assert client.get("/").status_code == 403


def test_launch_opens_the_dashboard(client, launch):
    response = launch()

    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_live_server_answers_over_http(live_server):
    import requests

    response = requests.get(live_server.url + "/healthz", timeout=5)

    assert response.status_code == 200
