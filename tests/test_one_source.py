"""Each fact lives once: the state sets, the overdue rule, the role sets and the acts.

Each of these guards a drift that had happened: the mediator map's own list of ticking states
left out `resolved` and `verified`, so a case past its verification deadline showed "no deadline"
there while the API, the wall and the sweeper called it overdue; the phone had its own open states;
`allowed_actions` offered `regrade`, which had no endpoint or form.
"""

import datetime
import re
from pathlib import Path

from django.utils import timezone

from disputes import lifecycle
from disputes.lifecycle import CaseState as S
from disputes.models import Case
from disputes.workflow import catalogue
from frontend import mediator
from grid import jurisdiction

ROOT = Path(__file__).resolve().parents[1]
# States that only a list of states would name (not the wall's counters "accepted" and "closed").
LISTED = ("dispatched", "in_progress", "awaiting_materials", "deferred", "resolved", "verified")
QUOTED_STATE = re.compile("[\"'`](" + "|".join(LISTED) + ")[\"'`]")


def test_the_javascript_writes_out_no_state_set():
    """A state's name may appear once in a front-end source (say, for a colour), never a set of them."""
    offenders = {}
    for path in (ROOT / "frontend" / "assets").rglob("*.js"):
        names = set(QUOTED_STATE.findall(path.read_text(encoding="utf-8")))
        if len(names) > 1:
            offenders[str(path.relative_to(ROOT))] = sorted(names)
    assert offenders == {}


def test_a_resolved_case_past_its_verification_deadline_ticks_for_every_face():
    config = lifecycle.js_config()
    assert {"resolved", "verified"} <= set(config["ticking"])
    assert set(config["paused"]) == {"awaiting_materials", "deferred"}
    assert set(config["ticking"]) | set(config["paused"]) == set(config["open"])
    assert set(config["in_hand"]) < set(config["open"])
    now = timezone.now()
    late = now - datetime.timedelta(hours=1)
    assert Case(state=S.RESOLVED, due_at=late).is_overdue(now)
    assert not Case(state=S.DEFERRED, due_at=late).is_overdue(now)
    assert not Case(state=S.CLOSED, due_at=late).is_overdue(now)


def test_the_faces_read_the_state_sets_from_the_server(client, django_user_model):
    user = django_user_model.objects.create_user("someone", password="x")
    client.force_login(user)
    page = client.get("/mediator/").content.decode()
    assert '"lifecycle"' in page
    assert mediator.page_config.__code__.co_names.count("lifecycle")  # derived, not copied
    phone = client.get("/phone/").content.decode()
    assert '"in_hand"' in phone and '"verify"' in phone


def _definitions(pattern):
    found = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "node_modules", "tests", "bench"} or "migrations" in relative.parts:
            continue
        found += [f"{relative}" for line in path.read_text(encoding="utf-8").splitlines() if re.match(pattern, line)]
    return found


def test_each_fact_is_defined_in_exactly_one_place():
    assert _definitions(r"^(OPEN_STATES|PAUSED_STATES|TICKING_STATES|RUNNING_STATES)\s*=") == [
        "disputes/lifecycle.py",
        "disputes/lifecycle.py",
        "disputes/lifecycle.py",
    ]
    assert _definitions(r"^def (overdue|is_overdue)\(") == ["disputes/lifecycle.py", "disputes/lifecycle.py"]
    assert _definitions(r"^(CELL_ROLES|UNIT_ROLES|REGION_ROLES|HANDLER_ROLES)\s*=") == ["grid/jurisdiction.py"] * 4
    assert _definitions(r"^(ACTS|RULES|PRIMARY)\s*=") == ["disputes/workflow/catalogue.py"]


def test_every_act_is_offered_only_where_a_route_exists():
    from django.urls import reverse

    for entry in catalogue.ACTS:
        if entry.target == "case":
            url = reverse("api:case-detail", kwargs={"pk": 1}) + f"{entry.path}/"
        else:
            url = reverse("api:request-decide", kwargs={"pk": 1})
        from django.urls import resolve

        assert resolve(url), entry.name
    assert jurisdiction.HANDLER_ROLES == jurisdiction.UNIT_ROLES | jurisdiction.REGION_ROLES
