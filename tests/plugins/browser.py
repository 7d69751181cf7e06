"""Playwright fixtures driving Debian's Chromium against the live server."""
