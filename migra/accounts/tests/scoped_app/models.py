from django.db import models


class ScopedRecord(models.Model):
    """Stands for any agency-owned, place-bound record (a case, a screening …)."""

    key = models.CharField(max_length=40, unique=True)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE)
    place = models.ForeignKey("places.Place", on_delete=models.CASCADE)

    def __str__(self) -> str:
        return self.key
