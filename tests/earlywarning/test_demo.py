"""The demo's planted outbreaks (a run of land disputes, a feud between two families) raise
warnings when the analysis runs, as it does in the simulator's loop."""

from io import StringIO

import pytest
from django.core.management import call_command

from demo.simulation import COUNTY_CODE, Simulation
from disputes.linkage.chain import build_standard_chain
from earlywarning import analysis
from earlywarning.models import Warning, WarningKind
from grid.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True


def test_planted_outbreaks_raise_warnings(django_capture_on_commit_callbacks):
    call_command("seed_demo", stdout=StringIO())
    build_standard_chain()
    simulation = Simulation(seed=7)
    simulation.backfill(30)
    land = simulation.outbreak("land")
    feud = simulation.outbreak("feud")
    assert len(land) >= 6 and len(feud) == 4
    county = Region.objects.get(code=COUNTY_CODE)
    with django_capture_on_commit_callbacks(execute=True):
        summary = analysis.run(county, permutations=99)
    assert summary.raised >= 3, summary
    trend = Warning.objects.filter(kind=WarningKind.TREND, cell=land[0].cell)
    assert trend.exists(), list(Warning.objects.values_list("kind", "place_key"))
    parties = Warning.objects.get(kind=WarningKind.PARTIES)
    assert set(parties.evidence["case_ids"]) == {case.pk for case in feud}
    words = Warning.objects.get(kind=WarningKind.RISK_WORDS)
    assert words.evidence["case_ids"] == [feud[-1].pk] and "扬言" in words.evidence["words"]
