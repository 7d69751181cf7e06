"""What every response shares: security headers, formatting filters, error pages."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, render_template

from .orders.fields import display_phone
from .orders.timeline import STATUS_LABELS

WARSAW = ZoneInfo("Europe/Warsaw")


def init_web(app: Flask) -> None:
    app.after_request(_security_headers)
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["pl_date"] = format_date
    app.jinja_env.filters["pl_datetime"] = format_datetime
    app.jinja_env.filters["phone"] = display_phone
    app.jinja_env.filters["mask_email"] = mask_email
    app.jinja_env.globals["status_labels"] = STATUS_LABELS
    app.jinja_env.globals["portal_origins"] = " ".join(app.config["PORTAL_ORIGINS"])

    for code in (400, 403, 404, 405, 500):
        app.register_error_handler(code, _error_page)


def content_security_policy(app: Flask) -> str:
    ancestors = " ".join(["'self'", *app.config["PORTAL_ORIGINS"]])
    form_targets = " ".join(["'self'", *app.config.get("CSP_FORM_ACTION_EXTRA", [])])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {form_targets}",
            f"frame-ancestors {ancestors}",
        ]
    )


def _security_headers(response):
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(current_app)
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
        response.vary.add("HX-Request")
    return response


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    return render_template("error.html", code=code), code


def format_money(grosze: int | None) -> str:
    """Format grosze the Polish way: 123456 -> '1 234,56 zł'."""
    if grosze is None:
        return ""
    sign = "-" if grosze < 0 else ""
    zloty, rest = divmod(abs(grosze), 100)
    grouped = f"{zloty:,}".replace(",", "\u00a0")
    return f"{sign}{grouped},{rest:02d}\u00a0zł"


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(WARSAW)
    return value.strftime("%d.%m.%Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(WARSAW).strftime("%d.%m.%Y, %H:%M")


def mask_email(address: str) -> str:
    """Enough of an address to recognise it: 'jan@firma.pl' -> 'j***@firma.pl'."""
    local, _, domain = (address or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
