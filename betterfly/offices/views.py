from flask import Blueprint, abort, flash, g, redirect, render_template, url_for

from ..auth.session import require_login
from . import services
from .forms import AdvisorForm, BranchForm

bp = Blueprint("offices", __name__, url_prefix="/office")
bp.before_request(require_login)


@bp.get("/team")
def team():
    return _team_page()


@bp.post("/branches")
def add_branch():
    form = BranchForm()
    if not form.validate():
        return _team_page(failed="branch-new", failed_form=form)
    try:
        services.add_branch(g.office, form.name.data)
    except services.SetupRejected as rejection:
        form.name.errors.append(rejection.message)
        return _team_page(failed="branch-new", failed_form=form)
    flash(f"Dodano oddział {form.name.data}.", "success")
    return _back()


@bp.post("/branches/<int:branch_id>/rename")
def rename_branch(branch_id: int):
    branch = _branch(branch_id)
    form = BranchForm()
    if not form.validate():
        return _team_page(failed=f"branch-{branch.id}", failed_form=form)
    try:
        services.rename_branch(g.office, branch, form.name.data)
    except services.SetupRejected as rejection:
        form.name.errors.append(rejection.message)
        return _team_page(failed=f"branch-{branch.id}", failed_form=form)
    flash("Zmieniono nazwę oddziału.", "success")
    return _back()


@bp.post("/branches/<int:branch_id>/active/<int:active>")
def toggle_branch(branch_id: int, active: int):
    branch = _branch(branch_id)
    services.set_branch_active(branch, bool(active))
    flash(
        f"Oddział {branch.name} jest znowu aktywny."
        if active
        else f"Oddział {branch.name} nie będzie już proponowany w zamówieniach.",
        "success",
    )
    return _back()


@bp.post("/branches/<int:branch_id>/advisors")
def add_advisor(branch_id: int):
    branch = _branch(branch_id)
    form = AdvisorForm()
    if not form.validate():
        return _team_page(failed=f"advisor-new-{branch.id}", failed_form=form)
    advisor = services.add_advisor(
        g.office, branch, form.first_name.data, form.last_name.data
    )
    flash(f"Dodano opiekuna {advisor.full_name}.", "success")
    return _back()


@bp.post("/advisors/<int:advisor_id>/rename")
def rename_advisor(advisor_id: int):
    advisor = _advisor(advisor_id)
    form = AdvisorForm()
    if not form.validate():
        return _team_page(failed=f"advisor-{advisor.id}", failed_form=form)
    services.rename_advisor(advisor, form.first_name.data, form.last_name.data)
    flash("Zapisano dane opiekuna.", "success")
    return _back()


@bp.post("/advisors/<int:advisor_id>/active/<int:active>")
def toggle_advisor(advisor_id: int, active: int):
    advisor = _advisor(advisor_id)
    services.set_advisor_active(advisor, bool(active))
    flash(
        f"{advisor.full_name} znowu może być opiekunem."
        if active
        else f"{advisor.full_name} nie będzie już proponowany jako opiekun. "
        "Dotychczasowe zamówienia nadal go pokazują.",
        "success",
    )
    return _back()


def _team_page(failed: str | None = None, failed_form=None):
    status = 422 if failed else 200
    return (
        render_template(
            "offices/team.html",
            branches=services.branches_with_advisors(g.office),
            failed=failed,
            failed_form=failed_form,
        ),
        status,
    )


def _branch(branch_id: int):
    return services.office_branch(g.office, branch_id) or abort(404)


def _advisor(advisor_id: int):
    return services.office_advisor(g.office, advisor_id) or abort(404)


def _back():
    return redirect(url_for("offices.team"), code=303)
