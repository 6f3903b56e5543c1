"""Behind HTTPS, set by environment variables only, `manage.py check --deploy` reports no warning.

Run in a subprocess with the production settings module, as an operator would run it before going live.
The demo defaults (no HTTPS, the demo key) are checked too: the same command must warn there, which shows the
test can fail.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

HTTPS = {
    "CAREBOOK_SECRET_KEY": secrets.token_urlsafe(64),
    "CAREBOOK_DEBUG": "false",
    "CAREBOOK_ALLOWED_HOSTS": "care.example.org",
    "CAREBOOK_CSRF_TRUSTED_ORIGINS": "https://care.example.org",
    "CAREBOOK_SECURE_COOKIES": "true",
    "CAREBOOK_HSTS_SECONDS": "31536000",
    "CAREBOOK_HSTS_INCLUDE_SUBDOMAINS": "true",
    "CAREBOOK_HSTS_PRELOAD": "true",
    "CAREBOOK_SSL_REDIRECT": "true",
    "CAREBOOK_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
}


def check_deploy(extra: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAREBOOK_", "DJANGO_", "PYTEST"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    env.update(extra)
    return subprocess.run(
        [str(REPO / ".venv/bin/python"), "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_https_settings_from_the_environment_pass_check_deploy_without_a_warning(tmp_path):
    result = check_deploy(HTTPS, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_settings_read_from_the_environment_are_the_ones_given(tmp_path):
    env = {**HTTPS, "DJANGO_SETTINGS_MODULE": "config.settings"}
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    result = subprocess.run(
        [str(REPO / ".venv/bin/python"), "-c", f"import django; django.setup(); {code}"],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split(" ", 4)[:4] == ["31536000", "True", "True", "True"], result.stderr
    assert "('HTTP_X_FORWARDED_PROTO', 'https') True True" in result.stdout


def test_the_demo_defaults_are_not_fit_for_deployment(tmp_path):
    result = check_deploy({}, tmp_path)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016", "carebook.W001"):
        assert warning in result.stdout + result.stderr


def test_a_malformed_proxy_header_is_refused_with_a_clear_message(tmp_path):
    result = check_deploy({**HTTPS, "CAREBOOK_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, tmp_path)
    assert result.returncode != 0
    assert "CAREBOOK_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https'" in result.stderr
