"""Settings for the in-process benchmark phases: the production settings, with plain static file storage.

The production settings use whitenoise's manifest storage, which needs ``collectstatic`` before a page
can render; the in-process phases render pages without it. Everything else (DEBUG off, Argon2, the
database options, the middleware) is the production configuration. The gunicorn phase uses
config.settings itself.
"""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Django's test client, which the in-process phases use, sends Host: testserver.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405

# bench/floor.py: the same request with prepared statements (psycopg binds on the server and prepares a
# statement the fifth time a connection runs it).
if __import__("os").environ.get("BENCH_PREPARED"):
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        **DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
