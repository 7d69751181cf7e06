from sqlalchemy import select

from betterfly.models import Advisor, Branch


def test_office_adds_and_renames_a_branch(client, launch, demo_office, db):
    launch()

    assert client.post("/office/branches", data={"name": "Łódź"}).status_code == 303
    branch = db.session.scalar(select(Branch).where(Branch.name == "Łódź"))
    client.post(f"/office/branches/{branch.id}/rename", data={"name": "Łódź Bałuty"})

    db.session.refresh(branch)
    assert branch.name == "Łódź Bałuty"
    assert "Łódź Bałuty" in client.get("/office/team").get_data(as_text=True)


def test_duplicate_branch_name_is_refused_at_the_field(client, launch, demo_office):
    launch()

    response = client.post("/office/branches", data={"name": "kraków"})

    assert response.status_code == 422
    assert "Oddział o tej nazwie już istnieje." in response.get_data(as_text=True)


def test_bad_advisor_name_is_reported(client, launch, demo_office, db):
    launch()
    branch = db.session.scalar(select(Branch).where(Branch.name == "Kraków"))

    response = client.post(
        f"/office/branches/{branch.id}/advisors",
        data={"first_name": "", "last_name": "K0walski"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Podaj imię." in page
    assert "Użyj tylko liter" in page


def test_deactivated_advisor_is_not_offered_but_old_orders_show_them(
    client, launch, order_form, db
):
    launch()
    location = client.post("/orders/new", data=order_form()).headers["Location"]
    advisor = db.session.scalar(select(Advisor).where(Advisor.last_name == "Nowak"))

    client.post(f"/office/advisors/{advisor.id}/active/0")

    advisors = client.get(f"/orders/advisors?branch={advisor.branch_id}")
    assert "Jan Nowak" not in advisors.get_data(as_text=True)
    assert "Ewa Zielińska" in advisors.get_data(as_text=True)
    assert "Jan Nowak" in client.get(location).get_data(as_text=True)
    refused = client.post(
        "/orders/new", data=order_form(request_key="k2", nip="7740001454")
    )
    assert "nie obsługuje już Klientów" in refused.get_data(as_text=True)


def test_advisor_of_another_branch_is_refused(client, launch, order_form, db):
    launch()
    warsaw = db.session.scalar(select(Branch).where(Branch.name == "Warszawa"))
    warsaw_advisor = db.session.scalar(
        select(Advisor).where(Advisor.branch_id == warsaw.id)
    )

    response = client.post(
        "/orders/new", data=order_form(advisor=str(warsaw_advisor.id))
    )

    assert response.status_code == 422
    assert "nie pracuje w wybranym oddziale" in response.get_data(as_text=True)


def test_advisor_of_another_office_is_refused(
    client, launch, order_form, office_factory, branch_factory, db
):
    other = office_factory(portal_id="other", name="Inne")
    branch_factory(other, "Obcy", ["Obcy Doradca"])
    stranger = db.session.scalar(select(Advisor).where(Advisor.office_id == other.id))
    launch()

    response = client.post("/orders/new", data=order_form(advisor=str(stranger.id)))

    assert response.status_code == 422
    assert "Wybierz opiekuna z listy." in response.get_data(as_text=True)


def test_without_javascript_show_advisors_rerenders_with_the_branch_team(
    client, launch, order_form, db
):
    launch()
    warsaw = db.session.scalar(select(Branch).where(Branch.name == "Warszawa"))

    response = client.post(
        "/orders/new",
        data=order_form(branch=str(warsaw.id), advisor="", action="show_advisors"),
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Piotr Wiśniewski" in page
    assert "Jan Nowak" not in page
    assert 'value="Przykładowa Spółka z o.o."' in page
    assert "field__error" not in page
