"""The office's own set-up: branches and the advisors who work in them."""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import Advisor, Branch, Office


class SetupRejected(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def branches_with_advisors(office: Office) -> list[Branch]:
    return db.session.scalars(
        select(Branch)
        .where(Branch.office_id == office.id)
        .order_by(Branch.is_active.desc(), Branch.name)
    ).all()


def office_branch(office: Office, branch_id: int) -> Branch | None:
    return db.session.scalar(
        select(Branch).where(Branch.id == branch_id, Branch.office_id == office.id)
    )


def office_advisor(office: Office, advisor_id: int) -> Advisor | None:
    return db.session.scalar(
        select(Advisor).where(Advisor.id == advisor_id, Advisor.office_id == office.id)
    )


def add_branch(office: Office, name: str) -> Branch:
    _refuse_duplicate_branch(office, name)
    branch = Branch(office_id=office.id, name=name)
    db.session.add(branch)
    db.session.commit()
    return branch


def rename_branch(office: Office, branch: Branch, name: str) -> None:
    _refuse_duplicate_branch(office, name, except_id=branch.id)
    branch.name = name
    db.session.commit()


def set_branch_active(branch: Branch, active: bool) -> None:
    branch.is_active = active
    db.session.commit()


def add_advisor(office: Office, branch: Branch, first_name: str, last_name: str):
    advisor = Advisor(
        office_id=office.id,
        branch_id=branch.id,
        first_name=first_name,
        last_name=last_name,
    )
    db.session.add(advisor)
    db.session.commit()
    return advisor


def rename_advisor(advisor: Advisor, first_name: str, last_name: str) -> None:
    advisor.first_name = first_name
    advisor.last_name = last_name
    db.session.commit()


def set_advisor_active(advisor: Advisor, active: bool) -> None:
    advisor.is_active = active
    db.session.commit()


def _refuse_duplicate_branch(office: Office, name: str, except_id: int | None = None):
    query = select(Branch.id).where(
        Branch.office_id == office.id, func.lower(Branch.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(Branch.id != except_id)
    if db.session.scalar(query) is not None:
        raise SetupRejected("name", "Oddział o tej nazwie już istnieje.")
