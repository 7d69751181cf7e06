import pytest

pytestmark = pytest.mark.browser

TILE = "Chcę zamówić Betterfly dla Klienta"


def test_launch_lands_on_the_dashboard_with_the_order_tile(page, launch_url):
    page.goto(launch_url())

    assert page.url.endswith("/")
    assert page.get_by_text(TILE).is_visible()


def test_launch_works_with_javascript_off(page_nojs, launch_url):
    page_nojs.goto(launch_url())

    assert page_nojs.get_by_text(TILE).is_visible()


def test_session_survives_a_reload(page, launch_url):
    page.goto(launch_url())

    page.reload()

    assert page.get_by_text(TILE).is_visible()


def test_session_cookie_is_sent_as_in_production(page, launch_url):
    page.goto(launch_url())

    [cookie] = [c for c in page.context.cookies() if c["name"] == "betterfly_session"]
    assert cookie["secure"] is True
    assert cookie["sameSite"] == "None"
    assert cookie["partitionKey"]


def test_app_launches_inside_the_portal_iframe_from_another_site(portal_page):
    assert portal_page.frame.get_by_text(TILE).is_visible()


def test_second_launch_in_the_iframe_keeps_its_session(portal_page):
    portal_page.open()

    portal_page.frame.locator("body").wait_for()
    assert portal_page.frame.get_by_text(TILE).is_visible()


def test_app_tells_the_portal_its_height(portal_page, browser_server):
    portal_page.page.wait_for_function("window.appHeights.length > 0")

    origin, height = portal_page.page.evaluate("window.appHeights[0]")

    assert origin == browser_server.url
    assert height > 300
