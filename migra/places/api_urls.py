from rest_framework.routers import SimpleRouter

from migra.places.api import PlaceViewSet

router = SimpleRouter()
router.register("", PlaceViewSet, basename="places-api")

urlpatterns = router.urls
