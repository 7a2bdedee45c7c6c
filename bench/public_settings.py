"""Settings for bench_public.py when `collectstatic` fails with the production storage
(a static file referring to a file that is not there): the same settings, with static
files compressed by WhiteNoise but not renamed with their hashes. Page weights are the
same; only the far-future caching of hashed names is missing."""

from migra.config.settings.base import *  # noqa: F403 (the production settings, one change)

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
