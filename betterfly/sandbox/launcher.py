"""The portal's side of the launch, for the demo: a fresh signed link on each visit."""

from flask import Blueprint, current_app, redirect, render_template, request

from ..auth.launch import make_launch_token
from ..models import Role

bp = Blueprint("launcher", __name__, url_prefix="/dev")

DEMO_USERS = {
    Role.OFFICE: ("demo-office", "Anna Kowalska", "anna.kowalska@demo.example"),
    Role.SUPPORT: ("demo-support", "Piotr Serwis", "piotr.serwis@betterfly.example"),
}


@bp.get("/")
def index():
    return render_template("sandbox/index.html")


@bp.get("/launch")
def launch():
    """Sign a launch token as the portal would and follow it."""
    return redirect(_launch_path(request.args.get("role", Role.OFFICE)), code=303)


@bp.get("/portal")
def portal():
    """A stand-in portal page that opens the app in an iframe."""
    return render_template("sandbox/portal.html", launch_path=_launch_path(Role.OFFICE))


def _launch_path(role: str) -> str:
    role = role if role in DEMO_USERS else Role.OFFICE
    sub, name, email = DEMO_USERS[role]
    token = make_launch_token(
        current_app.config["LAUNCH_SECRET"],
        office="demo",
        office_name="Biuro Rachunkowe Demo",
        sub=sub,
        name=name,
        email=email,
        role=role,
    )
    return f"/launch?token={token}"
