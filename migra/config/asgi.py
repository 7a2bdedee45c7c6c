import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
application = get_asgi_application()

# Refuse to serve with an encryption key that does not read this database:
# production servers run no system checks, so check here, at boot.
from migra.config.encryption import check_key  # noqa: E402  (needs the apps loaded above)

check_key()
