from flask import Blueprint, current_app, redirect, render_template, request, url_for

from .launch import LaunchRefused, open_session
from .session import start_session

bp = Blueprint("auth", __name__)


@bp.get("/launch")
def launch():
    """Open a session from the portal's token, then drop the token from the URL."""
    token = request.args.get("token", "")
    try:
        launched = open_session(
            token,
            current_app.config["LAUNCH_SECRET"],
            current_app.config["LAUNCH_TOKEN_MAX_AGE_SECONDS"],
        )
    except LaunchRefused as refusal:
        return render_template("auth/refused.html", reason=str(refusal)), 403

    start_session(launched.user_id, launched.office_id, launched.role)
    return redirect(url_for("dashboard.index"), code=303)
