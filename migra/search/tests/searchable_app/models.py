from django.db import models


class Story(models.Model):
    title = models.CharField(max_length=200)
    body = models.TextField()
    is_published = models.BooleanField(default=False)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE)

    def __str__(self) -> str:
        return self.title


class Person(models.Model):
    """Stands for the people registry's person (whose names will be encrypted)."""

    name_km = models.CharField(max_length=200, blank=True)
    name_latin = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE)
    place = models.ForeignKey("places.Place", on_delete=models.CASCADE)

    def __str__(self) -> str:
        return f"person {self.pk}"
