"""Settings for the test suite: fast hashing, plain static storage."""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (whitenoise warns when it is missing)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}  # noqa: F405
AXES_ENABLED = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # mail.outbox; pytest-django sets it too
