from flask import Blueprint

bp = Blueprint("activation", __name__, url_prefix="/activate")
