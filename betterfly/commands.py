"""Operator commands: `flask --app wsgi <command>`."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from .worker import register_worker_command

    register_worker_command(app)
