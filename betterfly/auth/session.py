"""Who is signed in, and the guard every office page stands behind."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, session

from ..extensions import db
from ..models import Office, Role, User


def start_session(user_id: int, office_id: int, role: str) -> None:
    session.clear()
    session.permanent = True
    session["user_id"] = user_id
    session["office_id"] = office_id
    session["role"] = role


def load_current_user() -> None:
    """Put the signed-in user and office on `g`, or None for both."""
    g.user = None
    g.office = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    user = db.session.get(User, user_id)
    if user is None or user.office_id != session.get("office_id"):
        session.clear()
        return
    g.user = user
    g.office = db.session.get(Office, user.office_id)


def require_login() -> None:
    """A blueprint's before_request: only a launched session gets in."""
    load_current_user()
    if g.user is None:
        abort(403)


def support_only(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if g.user is None or g.user.role != Role.SUPPORT:
            abort(403)
        return view(*args, **kwargs)

    return guarded
