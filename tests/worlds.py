"""The test world: one small county with a user for every access level, built by every suite that
needs one (the disputes, realtime and maps tests; the maps tests add a far county and more people).

    county 化德县 (114–116, 41–43)
      township 长顺镇 T1 (114–115)            township 朝阳镇 T2 (115–116)
        village 东沟村 V1 (lat 41–42)            village 王家营村 V3 (all of T2)
          cells c1 (114–114.5), c2 (114.5–115)     cell c4
        village 西滩村 V2 (lat 42–43)
          cell c3 (42–42.9), and `tiny` (a few metres across, near 42.95)

Units: V1's 村委会 and 人民调解委员会, V2's and V3's 村委会, T1's centre and 司法所, T2's centre,
the county centre.

Named users: gridworker (c1), gridworker_v3 (c4), committee (staff of V1's 村委会), mediator (V1's
村调委会), justice (mediator at T1's 司法所), operator (T1's centre), operator_t2 (T2's centre),
county_operator, outsider (no membership), admin (the superuser "root").

Categories: the standard ones (disputes/categories.py), with disputes (11 邻里纠纷), neighbours
(1101), incidents (50 安全隐患) and hazard (5001, orange) at hand.
"""

from disputes import categories
from disputes.models import Category, StageLimit
from grid.members import assign_member
from grid.models import Role, UnitKind
from tests import factories as f

POINT_V1_C1 = (114.25, 41.5)
POINT_V1_C2 = (114.75, 41.5)
POINT_V3 = (115.5, 42.0)


class World:
    def person(self, username, role, unit, cells=(), last="王", first="伟"):
        """A user with one membership (and its cells), named last + first."""
        user = f.user(username, last_name=last, first_name=first)
        assign_member(user, role, unit, cells)
        return user


def build():
    w = World()
    w.county = f.county(bounds=(114, 41, 116, 43))
    w.t1 = f.township(w.county, "150922100000", "长顺镇", (114, 41, 115, 43))
    w.t2 = f.township(w.county, "150922101000", "朝阳镇", (115, 41, 116, 43))
    w.v1 = f.village(w.t1, "150922100201", "东沟村", (114, 41, 115, 42))
    w.v2 = f.village(w.t1, "150922100202", "西滩村", (114, 42, 115, 43))
    w.v3 = f.village(w.t2, "150922101201", "王家营村", (115, 41, 116, 43))
    w.c1 = f.cell(w.v1, 1, (114, 41, 114.5, 42))
    w.c2 = f.cell(w.v1, 2, (114.5, 41, 115, 42))
    w.c3 = f.cell(w.v2, 1, (114, 42, 115, 42.9))
    w.tiny = f.cell(w.v2, 2, (114.50001, 42.95001, 114.50004, 42.95004), name="村小学")
    w.c4 = f.cell(w.v3, 1, (115, 41, 116, 43))

    w.v1_committee = f.unit(w.v1, UnitKind.VILLAGE_COMMITTEE, "东沟村村委会")
    w.v1_mediation = f.unit(w.v1, UnitKind.VILLAGE_MEDIATION, "东沟村人民调解委员会")
    w.v2_committee = f.unit(w.v2, UnitKind.VILLAGE_COMMITTEE, "西滩村村委会")
    w.v3_committee = f.unit(w.v3, UnitKind.VILLAGE_COMMITTEE, "王家营村村委会")
    w.t1_centre = f.unit(w.t1, UnitKind.TOWNSHIP_CENTRE, "长顺镇综治中心")
    w.t1_justice = f.unit(w.t1, UnitKind.JUSTICE_OFFICE, "长顺司法所")
    w.t2_centre = f.unit(w.t2, UnitKind.TOWNSHIP_CENTRE, "朝阳镇综治中心")
    w.county_centre = f.unit(w.county, UnitKind.COUNTY_CENTRE, "化德县综治中心")

    person = w.person
    w.gridworker = person("gridworker", Role.GRIDWORKER, w.v1_committee, [w.c1], "李", "明")
    w.gridworker_v3 = person("gridworker_v3", Role.GRIDWORKER, w.v3_committee, [w.c4], "周", "平")
    w.committee = person("committee", Role.STAFF, w.v1_committee, last="张", first="红")
    w.mediator = person("mediator", Role.MEDIATOR, w.v1_mediation, last="刘", first="芳")
    w.justice = person("justice", Role.MEDIATOR, w.t1_justice, last="陈", first="静")
    w.operator = person("operator", Role.OPERATOR, w.t1_centre, last="杨", first="军")
    w.operator_t2 = person("operator_t2", Role.OPERATOR, w.t2_centre, last="吴", first="磊")
    w.county_operator = person("county_operator", Role.OPERATOR, w.county_centre, last="黄", first="磊")
    w.outsider = f.user("outsider")
    w.admin = f.user("root", is_superuser=True, is_staff=True)

    # The standard categories come with the migrations (disputes/categories.py); a
    # transactional test's flush removes them, so load them again when missing.
    categories.load(Category, StageLimit)
    w.disputes = Category.objects.get(code="11")  # 邻里纠纷: 15 working days to handle
    w.neighbours = Category.objects.get(code="1101")  # 相邻关系纠纷
    w.incidents = Category.objects.get(code="50")  # 安全隐患
    w.hazard = Category.objects.get(code="5001")  # 生产安全隐患, orange
    return w
