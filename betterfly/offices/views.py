from flask import Blueprint

from ..auth.session import require_login

bp = Blueprint("offices", __name__, url_prefix="/office")
bp.before_request(require_login)


@bp.get("/team")
def team():
    return "team"
