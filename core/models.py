from django.db import models


class DataVersion(models.Model):
    """The version of one kind of reference data that processes cache (see core.versions).

    `token` is random and written in the same transaction as the change it stands for, so a
    rolled-back change leaves behind a token nobody will ever write again."""

    name = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=32)

    def __str__(self):
        return f"{self.name}: {self.token}"
