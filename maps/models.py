from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseSquare(models.Model):
    """How many cases lie in one square of the map, by township, state and grade (maps/casemap.py).

    Squares are fixed lon/lat squares, one grid per zoom (`level`, see casemap.LEVELS); `sum_lon`
    and `sum_lat` let a cluster sit at the exact centroid of its cases. A case is added to and taken
    from its rows in the transaction that changes it (disputes.workflow.core.record calls
    casemap.recorded), so the numbers on the map's clusters are exact; a row may fall to 0.
    """

    level = models.PositiveSmallIntegerField(_("level"))
    gx = models.IntegerField(_("column"))
    gy = models.IntegerField(_("row"))
    township = models.CharField(_("township code"), max_length=9)
    state = models.CharField(_("state"), max_length=20)
    grade = models.CharField(_("grade"), max_length=10)
    n = models.IntegerField(_("cases"))
    sum_lon = models.FloatField(_("sum of longitudes"))
    sum_lat = models.FloatField(_("sum of latitudes"))

    class Meta:
        verbose_name = _("case square")
        verbose_name_plural = _("case squares")
        constraints = [
            models.UniqueConstraint(
                fields=["level", "gx", "gy", "township", "state", "grade"], name="maps_casesquare_unique"
            )
        ]
        indexes = [models.Index(fields=["level", "gy", "gx"], name="maps_casesquare_place")]

    def __str__(self):
        return f"{self.level}/{self.gx}/{self.gy} {self.township} {self.state} {self.grade}: {self.n}"
