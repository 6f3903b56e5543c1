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
