"""Operator commands: `flask --app wsgi <command>`."""

from flask import Flask


def register_commands(app: Flask) -> None:
    pass
