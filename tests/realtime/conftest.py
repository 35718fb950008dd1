"""A small county for the event-stream tests: two townships, cells, units and a user per role."""

from grid.members import assign_member
from grid.models import Role, UnitKind
from tests import factories as f


class World:
    pass


def build_world():
    w = World()
    w.county = f.county(bounds=(114, 41, 116, 43))
    w.t1 = f.township(w.county, "150922100000", "长顺镇", (114, 41, 115, 43))
    w.t2 = f.township(w.county, "150922101000", "朝阳镇", (115, 41, 116, 43))
    w.v1 = f.village(w.t1, "150922100201", "东沟村", (114, 41, 115, 42))
    w.v3 = f.village(w.t2, "150922101201", "王家营村", (115, 41, 116, 43))
    w.c1 = f.cell(w.v1, 1, (114, 41, 114.5, 42))
    w.c2 = f.cell(w.v1, 2, (114.5, 41, 115, 42))
    w.c4 = f.cell(w.v3, 1, (115, 41, 116, 43))
    w.v1_committee = f.unit(w.v1, UnitKind.VILLAGE_COMMITTEE, "东沟村村委会")
    w.t1_centre = f.unit(w.t1, UnitKind.TOWNSHIP_CENTRE, "长顺镇综治中心")
    w.t1_justice = f.unit(w.t1, UnitKind.JUSTICE_OFFICE, "长顺司法所")
    w.t2_centre = f.unit(w.t2, UnitKind.TOWNSHIP_CENTRE, "朝阳镇综治中心")
    w.county_centre = f.unit(w.county, UnitKind.COUNTY_CENTRE, "化德县综治中心")

    def person(username, role, unit, cells=()):
        user = f.user(username)
        assign_member(user, role, unit, cells)
        return user

    w.gridworker = person("gridworker", Role.GRIDWORKER, w.v1_committee, [w.c1])
    w.gridworker_c2 = person("gridworker_c2", Role.GRIDWORKER, w.v1_committee, [w.c2])
    w.justice = person("justice", Role.MEDIATOR, w.t1_justice)
    w.operator = person("operator", Role.OPERATOR, w.t1_centre)
    w.operator_t2 = person("operator_t2", Role.OPERATOR, w.t2_centre)
    w.county_operator = person("county_operator", Role.OPERATOR, w.county_centre)
    w.outsider = f.user("outsider")
    w.root = f.user("root", is_superuser=True, is_staff=True)
    return w
