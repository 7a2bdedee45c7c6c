"""Settings for the test suite: the same as production but for speed and isolation.

DATABASE_URL picks the database (SQLite in a temporary file by default,
PostgreSQL in CI's second run).
"""

import os
import tempfile

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("MIGRA_VAR_DIR", tempfile.mkdtemp(prefix="migra-test-"))
os.environ.setdefault("MIGRA_HTTPS", "false")

from .base import *  # noqa: E402,F403  (test settings extend the base settings)

DEBUG = False
# A fast hasher: argon2 is tested on its own; thousands of logins in tests need speed.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# A test-only model (agency + place) on which the role matrix proves the permission API.
INSTALLED_APPS = [*INSTALLED_APPS, "migra.accounts.tests.scoped_app"]  # noqa: F405
# Test-only searchable types (a story, a person) proving the search index.
INSTALLED_APPS += ["migra.search.tests.searchable_app"]
# A test-only model with encrypted fields (migra.config.fields) on both databases.
INSTALLED_APPS += ["migra.config.tests.crypto_app"]

# Django would test SQLite in a shared in-memory database, whose locking differs from
# the real thing (writers fail with "table is locked" instead of waiting). Test in a
# file, with the production settings (WAL, busy timeout, IMMEDIATE transactions).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.mkdtemp(prefix="migra-testdb-"), "test.sqlite3")
    }

# WhiteNoise looks for STATIC_ROOT at start-up; tests never collect static files.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
