"""Routes; see migra/cases/urls.py."""

urlpatterns: list = []
