"""Configuration read from the environment, with the names operators rely on."""

import json
import os
import secrets
from pathlib import Path

DEV_SECRET_PREFIX = "dev-only-"


class ConfigurationError(RuntimeError):
    """The environment does not describe a configuration the app may run with."""


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _list(name: str) -> list[str]:
    raw = os.environ.get(name, "")
    return [item.strip() for item in raw.replace(",", " ").split() if item.strip()]


# Tuning of the company lookup; unset ones keep the defaults of the lookup service.
COMPANY_LOOKUP_TUNING = (
    "GUS_TIMEOUT_SECONDS",
    "GUS_CONNECT_TIMEOUT_SECONDS",
    "GUS_CACHE_SECONDS",
    "GUS_NOT_FOUND_CACHE_SECONDS",
    "GUS_BREAKER_THRESHOLD",
    "GUS_BREAKER_COOLDOWN_SECONDS",
    "WHITELIST_TIMEOUT_SECONDS",
    "WHITELIST_CACHE_SECONDS",
)


def _tuning() -> dict:
    return {
        name: float(os.environ[name])
        for name in COMPANY_LOOKUP_TUNING
        if os.environ.get(name, "").strip()
    }


def from_environment(instance_path: str) -> dict:
    """Build the Flask config mapping from environment variables."""
    sandbox = _flag("SANDBOX")
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "betterfly.sqlite3")
    )
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix(
            "postgres://"
        )
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix(
            "postgresql://"
        )

    return _tuning() | {
        "SECRET_KEY": os.environ.get("SECRET_KEY", ""),
        "LAUNCH_SECRET": os.environ.get("LAUNCH_SECRET", ""),
        "SANDBOX": sandbox,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "").strip() or None,
        "PUBLIC_BASE_URL": os.environ.get(
            "PUBLIC_BASE_URL", "http://localhost:5000"
        ).rstrip("/"),
        "PORTAL_ORIGINS": _list("PORTAL_ORIGINS"),
        "GUS_API_URL": os.environ.get("GUS_API_URL", "").strip() or None,
        "GUS_API_KEY": os.environ.get("GUS_API_KEY", "").strip() or None,
        "WHITELIST_API_URL": os.environ.get("WHITELIST_API_URL", "").strip() or None,
        "P24_BASE_URL": os.environ.get("P24_BASE_URL", "").strip() or None,
        "P24_MERCHANT_ID": _int("P24_MERCHANT_ID", 0) or None,
        "P24_POS_ID": _int("P24_POS_ID", 0) or None,
        "P24_CRC": os.environ.get("P24_CRC", "").strip() or None,
        "P24_API_KEY": os.environ.get("P24_API_KEY", "").strip() or None,
        "P24_NOTIFY_ALLOWED_IPS": _list("P24_NOTIFY_ALLOWED_IPS"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip() or None,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", "").strip() or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", "") or None,
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS"),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Betterfly <no-reply@betterfly.example>"
        ),
        "PLUS_PRICE_GROSZE": _int("PLUS_PRICE_GROSZE", 19900),
        "PREMIUM_POOL_SIZE": _int("PREMIUM_POOL_SIZE", 10),
        "INVITATION_VALID_DAYS": _int("INVITATION_VALID_DAYS", 14),
        "LAUNCH_TOKEN_MAX_AGE_SECONDS": _int("LAUNCH_TOKEN_MAX_AGE_SECONDS", 300),
        "PROXY_COUNT": _int("PROXY_COUNT", 0),
        "PRODUCTION": os.environ.get("BETTERFLY_ENV", "").lower() == "production",
    }


def apply_sandbox_secrets(config: dict, instance_path: str) -> None:
    """In the sandbox, give missing secrets random values kept in the instance folder.

    They are kept on disk, not made per process, so that the command that prints a
    launch link and the server that accepts it agree.
    """
    path = Path(instance_path) / "sandbox-secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for name in ("SECRET_KEY", "LAUNCH_SECRET"):
        if config.get(name):
            continue
        if name not in stored:
            stored[name] = DEV_SECRET_PREFIX + secrets.token_urlsafe(32)
            changed = True
        config[name] = stored[name]
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored))


def check_secrets(config: dict) -> None:
    """Refuse to run outside the sandbox without real secrets, or production with it."""
    if config.get("PRODUCTION") and config.get("SANDBOX"):
        raise ConfigurationError("SANDBOX=1 is not allowed in production")
    if config.get("SANDBOX") or config.get("TESTING"):
        return
    for name in ("SECRET_KEY", "LAUNCH_SECRET"):
        value = config.get(name) or ""
        if len(value) < 32 or value.startswith(DEV_SECRET_PREFIX):
            raise ConfigurationError(f"{name} must be set to a real secret")
