from flask import Blueprint

from ..auth.session import require_login

bp = Blueprint("orders", __name__, url_prefix="/orders")
bp.before_request(require_login)
