"""Simulated activity in the demo county (化德县), so that a demo is alive: `manage.py simulate`.

Every step picks one action with weights taken from practice and carries it out through the
services, as the person whose job it is, found by role and unit:

- report: a gridworker (now and then a volunteer) reports an event at a random point inside one of
  their own cells, in a category weighted as in practice (neighbour and family quarrels are about
  half of the disputes; incidents 50–54; a red 5501 rarely); some are settled on the spot, with the
  expected SHA-256 of a result photo;
- progress: the next natural move of an open case: the current unit's handler (else the township
  centre's operator) accepts and dispatches it (to itself, the village mediation committee or a
  township office), a handler of the unit it is at starts and resolves it, someone else (the
  gridworker of the cell, the village's volunteer, an operator) verifies it, an operator closes it;
  on a joint case the summoned units answer their tasks;
- now and then: a manual escalation, a summons of two township offices (red cases are always
  handled jointly), a rejection, a follow-up visit (mostly 满意).

A few cases are left alone at some state (decided by the id of their first report, so the choice
survives a restart) so that they go overdue; once the deadline sweeper (`run_deadlines`) has
escalated them or flagged them for supervision, they are handled like the others.

Nothing here writes a case: each service call is its own transaction, a WorkflowError is logged and
the simulation moves on. Choices come from one random.Random(seed), and the database is read in a
fixed order, so a seed replays the same actions on the same data.

The services stamp everything with the current time (intake sets `received_at`, the workflow verbs
`timezone.now()`), so backfilled cases are received now; only their `occurred_at` lies in the past.
"""

import datetime
import hashlib
import random
import uuid
from collections import Counter
from dataclasses import dataclass

from django.contrib.gis.geos import Point
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from core.errors import WorkflowError
from disputes import intake, workflow
from disputes.identity import check_digit
from disputes.linkage import escalation
from disputes.models import (
    Case,
    CaseKind,
    CaseState,
    Category,
    FollowUp,
    Handling,
    JointTask,
    PartyRole,
    PhotoPurpose,
    Report,
    Satisfaction,
)
from grid.jurisdiction import HANDLER_ROLES
from grid.models import Member, Region, RegionLevel, Role, Unit, UnitKind

from .county import COUNTY_CODE

S = CaseState
COUNTY_PREFIX = COUNTY_CODE[:6]

# (action, weight). A step whose action finds no case to act on reports instead.
# A case takes about five moves from report to closure, so reports outpace handling until
# BUSY_OPEN_CASES are moving; then reports come half as often: the county settles at a
# steady load of cases in flight.
ACTIONS = (
    ("report", 20),
    ("progress", 68),
    ("follow_up", 4),
    ("escalate", 2.5),
    ("summon", 2),
    ("reject", 1.5),
)
BUSY_OPEN_CASES = 60
ON_SITE_SHARE = {"10": 0.08, "11": 0.2, "52": 0.25, "53": 0.1}  # settled on the spot (即办), by top-level code
VERIFY_FAILS = 0.08  # verification finds the matter unresolved: rework (返工)
NEGLECT_PERCENT = 6  # cases left alone at one state, to go overdue
NEGLECT_STATES = (S.REPORTED, S.ACCEPTED, S.DISPATCHED)
MOVING_STATES = (S.REPORTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.RESOLVED, S.VERIFIED)
BACKFILL_DAYS = 14

# Leaf categories with their weight (per 100 reports) and description templates. {a} and {b} are
# party names, {place} a spot in the village, {village} the village.
CATEGORIES = (
    ("100101", 3, ("{a}与丈夫{b}因家庭琐事长期争吵，{a}提出离婚，双方对子女抚养和财产分割意见不一。",)),
    ("100102", 3, ("{a}家与{b}家因订婚后悔婚，就彩礼是否返还、返还多少发生争执，多次协商未果。",)),
    (
        "100201",
        4,
        (
            "{a}与弟弟{b}因老人赡养费分摊和轮流照顾问题发生争执，老人生活无人照料。",
            "{a}年老体弱，其子{b}长期外出务工，未按约定支付赡养费，{a}请求村里协调。",
        ),
    ),
    ("100202", 2, ("{a}与前夫{b}因孩子抚养费支付问题发生纠纷，{b}已连续数月未付抚养费。",)),
    ("100203", 2, ("{a}与{b}兄弟二人因父母去世后老宅的继承分配发生争执，关系紧张。",)),
    (
        "110101",
        4,
        (
            "{a}在自家院外堆放柴草，堵住了{b}家出行的通道，两家多次发生口角。",
            "{a}家翻修院墙向外扩出半米，{b}认为占用了公共巷道，影响农用车通行。",
        ),
    ),
    (
        "110102",
        4,
        (
            "{a}家与{b}家因宅前排水沟堵塞发生争吵，雨后积水流入{b}家院内。",
            "{a}家新修的排水管将污水排向{b}家房后，{b}要求改道，双方争执不下。",
        ),
    ),
    ("110103", 2, ("{a}家在{place}新建二层房屋，{b}认为遮挡了自家采光，要求停工。",)),
    ("110201", 2, ("{a}家经营的农机修理铺夜间作业噪音大，邻居{b}多次交涉未果。",)),
    (
        "110202",
        4,
        (
            "{a}与{b}因家禽跑进对方院内啄食粮食发生口角，险些动手。",
            "{a}与邻居{b}因琐事在{place}发生口角，双方情绪激动，围观群众较多。",
        ),
    ),
    ("120101", 4, ("{a}家与{b}家因宅基地界址不清发生争执，{b}砌墙时被{a}阻拦。",)),
    ("120203", 2, ("{a}家建房时脚手架搭到{b}家房顶，{b}担心房屋受损，要求赔偿。",)),
    ("130101", 3, ("{a}与{b}两家承包地相邻，因地界石被移动、耕地边界不清发生争执。",)),
    ("130102", 2, ("{a}将承包地流转给{b}种植，约定的流转费逾期未付，双方发生纠纷。",)),
    ("140202", 3, ("{a}家的羊群进入{b}家承包的草场放牧，{b}要求赔偿草场损失。",)),
    ("160101", 3, ("{a}等几名村民在{b}承包的工地务工，工程完工后工资一直未结清。",)),
    ("1702", 2, ("{a}向{b}借款两万元用于购买农机，约定一年归还，逾期未还，双方发生争执。",)),
    ("1801", 2, ("{a}骑电动车与{b}的三轮车在{place}相撞，{a}腿部受伤，双方就医疗费赔偿意见不一。",)),
    ("180201", 4, ("{a}家的牛闯入{b}家玉米地，踩坏、啃食大片庄稼，{b}要求赔偿。",)),
    ("22", 1, ("{a}在镇上商店购买的化肥疑似假冒，使用后出苗率低，与店主{b}协商退赔未果。",)),
    ("24", 4, ("村民{a}对村集体土地补偿款分配方案有异议，认为{b}家多分，要求公开账目。",)),
    ("5001", 2, ("{village}{place}一处小型加工作坊电线私拉乱接，存在生产安全隐患。",)),
    ("500201", 4, ("{village}{place}一处无人居住的土坯房墙体开裂、屋顶塌陷，有倒塌风险。",)),
    ("5003", 3, ("{village}{place}路段弯道处缺少警示标志，近期多次发生车辆剐蹭。",)),
    ("5101", 3, ("{village}{place}近期夜间有不明人员聚集饮酒，村民反映存在治安隐患。",)),
    ("5102", 1, ("{village}{place}发现一辆无牌照车辆停放多日，车内堆放不明物品。",)),
    ("5201", 7, ("{village}{place}垃圾长期堆放未清运，气味难闻。", "{village}{place}有人倾倒建筑垃圾，占用道路。")),
    ("5202", 3, ("{village}{place}有养殖户将污水直接排入路边沟渠。",)),
    ("5301", 4, ("{village}{place}一带自来水已停供两天，村民生活用水困难。",)),
    ("5302", 4, ("{village}{place}道路出现大坑，雨后积水，车辆和行人通行困难。",)),
    ("5303", 3, ("{village}独居老人{a}生活困难，房屋漏雨，需要救助。",)),
    ("5401", 3, ("{village}{place}柴草垛紧挨民房堆放，存在火灾隐患。",)),
    ("5402", 2, ("{village}{place}消防通道被私家车和杂物长期堵塞。",)),
    ("5501", 0.6, ("{village}十余户村民因征地补偿款发放问题相约到县里集体上访，情绪较大。",)),
)
PLACES = ("村口", "东头", "西头", "南街", "北巷", "村委会附近", "小卖部旁", "打谷场", "水井边", "学校门口", "后街")
PARTY_NAMES = (
    "王建国",
    "李秀英",
    "张伟",
    "刘桂兰",
    "陈志强",
    "杨丽",
    "赵军",
    "黄秀兰",
    "周红梅",
    "吴海",
    "徐建华",
    "孙玉梅",
    "马国庆",
    "胡春燕",
    "朱永刚",
    "郭凤英",
    "高文明",
    "林淑珍",
)
PHONE_PREFIXES = ("138", "139", "150", "151", "158", "187", "135", "182")
RESULTS = {
    "10": "经村调委会调解，双方达成协议，约定了赡养、抚养和财产事项并签字确认。",
    "11": "经调解员现场调解，双方互谅互让，问题已解决，邻里关系恢复。",
    "12": "会同自然资源所实地核对宅基地界址，双方认可并重新确认界线。",
    "13": "依据承包合同和地块确权图核实地界，双方达成一致，纠纷化解。",
    "14": "核实草场承包范围，责令放牧方赔偿损失并约定轮牧时间。",
    "16": "经协调，包工头已将拖欠工资全部结清，务工人员签字确认。",
    "17": "经调解，双方约定分期还款，已签订还款协议。",
    "18": "经调解，双方就赔偿金额达成一致，已当场支付。",
    "22": "经市场监管所介入，商家同意退赔，消费者表示认可。",
    "24": "村委会召开村民代表会议公开账目，村民对分配方案无异议。",
    "50": "已设置警示标志并组织整改，隐患已消除。",
    "51": "派出所已加强夜间巡逻，治安隐患已排除。",
    "52": "已组织保洁人员清理完毕，并约谈相关责任人。",
    "53": "已协调相关单位修复，群众生活恢复正常。",
    "54": "已清理杂物、疏通通道，隐患已消除。",
    "55": "经联合接访、逐户解释政策，补偿款已按规定发放，群众情绪稳定。",
}
ON_SITE_RESULTS = {
    "10": "网格员上门劝解，双方当场和好。",
    "11": "网格员现场协调，双方当场和解，已恢复原状。",
    "52": "网格员组织保洁员现场清理完毕。",
    "53": "网格员联系电工、水管员现场修复。",
}
ESCALATE_REASONS = {
    CaseKind.DISPUTE: (
        "当事人情绪激动，本级调解未果，申请上级协调处置。",
        "涉及多个部门职责，本级无法单独处置。",
        "双方分歧较大，有激化苗头，需上级介入。",
    ),
    CaseKind.INCIDENT: (
        "隐患整改涉及多个部门，本级无法单独处置。",
        "事态有扩大趋势，需上级介入。",
        "所需资金和设备超出本级能力，申请上级协调。",
    ),
}
REJECT_REASONS = {
    CaseKind.DISPUTE: (
        "经核实，反映情况与事实不符。",
        "该事项已进入诉讼程序，不属于人民调解受理范围。",
        "重复上报，已有案件在办理中。",
    ),
    CaseKind.INCIDENT: (
        "经现场核实，所反映问题已由相关单位处理完毕。",
        "经核实，反映情况与事实不符。",
        "重复上报，已有案件在办理中。",
    ),
}
SUMMON_INSTRUCTIONS = "请于两个工作日内派员到场，联合处置并反馈结果。"
ANSWERS = {
    UnitKind.JUSTICE_OFFICE: "司法所已组织联合调解，向当事人释法明理，双方初步达成一致。",
    UnitKind.POLICE_STATION: "派出所已派民警到场维持秩序，对相关人员进行了法治教育。",
    UnitKind.RESOURCES_OFFICE: "自然资源所已现场勘查，核实了土地权属和界址。",
    UnitKind.MARKET_OFFICE: "市场监管所已对涉事经营户进行检查并责令整改。",
}
FOLLOW_UP_NOTES = {
    Satisfaction.SATISFIED: "电话回访，当事人表示协议已履行，对处理结果满意。",
    Satisfaction.BASIC: "上门回访，协议基本履行，当事人对处理过程基本满意。",
    Satisfaction.UNSATISFIED: "上门回访，当事人认为赔偿偏低，表示不满意，已做解释工作。",
}
SATISFACTION_WEIGHTS = ((Satisfaction.SATISFIED, 80), (Satisfaction.BASIC, 15), (Satisfaction.UNSATISFIED, 5))

OFFICES = (UnitKind.JUSTICE_OFFICE, UnitKind.POLICE_STATION, UnitKind.MARKET_OFFICE, UnitKind.RESOURCES_OFFICE)
# Where a case at a unit without handlers goes, and which township offices a summons calls, by top-level code.
DISPATCH_TO = {
    **dict.fromkeys(("12", "13", "14", "15"), (UnitKind.RESOURCES_OFFICE, UnitKind.JUSTICE_OFFICE)),
    **dict.fromkeys(("17", "22"), (UnitKind.MARKET_OFFICE, UnitKind.JUSTICE_OFFICE)),
    **dict.fromkeys(("20", "51", "55"), (UnitKind.POLICE_STATION, UnitKind.TOWNSHIP_CENTRE)),
    **dict.fromkeys(("50", "52", "53", "54"), (UnitKind.TOWNSHIP_CENTRE,)),
}
DISPUTE_DISPATCH = (UnitKind.VILLAGE_MEDIATION, UnitKind.JUSTICE_OFFICE)
SUMMON = {
    **dict.fromkeys(("12", "13", "14", "15"), (UnitKind.RESOURCES_OFFICE, UnitKind.JUSTICE_OFFICE)),
    **dict.fromkeys(("17", "22"), (UnitKind.MARKET_OFFICE, UnitKind.JUSTICE_OFFICE)),
    **dict.fromkeys(("20", "51", "55"), (UnitKind.JUSTICE_OFFICE, UnitKind.POLICE_STATION)),
    "50": (UnitKind.RESOURCES_OFFICE, UnitKind.POLICE_STATION),
    "52": (UnitKind.MARKET_OFFICE, UnitKind.RESOURCES_OFFICE),
    "53": (UnitKind.RESOURCES_OFFICE, UnitKind.MARKET_OFFICE),
    "54": (UnitKind.POLICE_STATION, UnitKind.MARKET_OFFICE),
}
DISPUTE_SUMMON = (UnitKind.JUSTICE_OFFICE, UnitKind.POLICE_STATION)


class SimulationError(Exception):
    """The simulation cannot run here (no demo county, no categories); the message says why."""


@dataclass(frozen=True)
class Event:
    """One thing the simulation did or tried."""

    action: str
    category: str  # category code
    case: str  # case number ("" when intake failed)
    actor: str  # username
    ok: bool = True
    detail: str = ""


def person(user):
    return f"{user.last_name}{user.first_name}" or user.get_username()


def top_code(code):
    return code[:2]


def id_number(rng):
    """A made-up resident ID number of 化德县 with a valid GB 11643 check digit."""
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 52))
    first17 = f"{COUNTY_CODE[:6]}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_digit(first17)


def masked_phone(rng):
    """A mobile number with its middle masked: never a real person's number."""
    return f"{rng.choice(PHONE_PREFIXES)}****{rng.randrange(10000):04d}"


class World:
    """The demo county's people, cells, units and categories, read once at start."""

    def __init__(self):
        county = Region.objects.filter(code=COUNTY_CODE).only("pk").first()
        if county is None:
            raise SimulationError("The demo county is not in the database: run “manage.py seed_demo” first.")
        regions = Region.objects.filter(code__startswith=COUNTY_PREFIX).defer("boundary")
        self.region_names = dict(regions.values_list("pk", "name"))
        self.township_of = dict(regions.filter(level=RegionLevel.VILLAGE).values_list("pk", "parent_id"))

        units = Unit.objects.filter(active=True, region__code__startswith=COUNTY_PREFIX)
        self.units = {unit.pk: unit for unit in units.select_related("region").defer("region__boundary")}
        self.unit_at = {(unit.region_id, unit.kind): unit for unit in sorted(self.units.values(), key=code_of)}

        members = Member.objects.filter(active=True, unit__in=list(self.units)).select_related("user")
        # Sorted here, not by the database, whose collation may order "-" differently.
        members = sorted(members.prefetch_related("cells"), key=lambda m: (m.user.username, self.units[m.unit_id].code))
        self.handlers = {}  # unit id → users who handle cases there (mediators, staff, operators)
        self.gridworker_of_cell = {}
        self.volunteer_of_village = {}
        self.reporters = []  # (user, cell) for every gridworker's and volunteer's cell
        users = {}
        for member in members:
            user = users.setdefault(member.user_id, member.user)  # one object per user: its memberships are cached
            if not user.is_active:
                continue
            if member.role in HANDLER_ROLES and member.role != Role.ADMINISTRATOR:
                self.handlers.setdefault(member.unit_id, []).append(user)
            elif member.role in (Role.GRIDWORKER, Role.VOLUNTEER):
                for cell in sorted(member.cells.all(), key=lambda cell: cell.code):
                    self.reporters.append((user, cell))
                    if member.role == Role.GRIDWORKER:
                        self.gridworker_of_cell.setdefault(cell.pk, user)
                    else:
                        self.volunteer_of_village.setdefault(cell.village_id, user)
        if not self.reporters:
            raise SimulationError("The demo county has no gridworkers: run “manage.py seed_demo --reset”.")
        # Busier cells (more households) report more; volunteers report now and then.
        self.reporter_weights = [
            max(1, cell.households) * (1.0 if self.gridworker_of_cell.get(cell.pk) is user else 0.1)
            for user, cell in self.reporters
        ]

        by_code = {category.code: category for category in Category.objects.filter(active=True)}
        self.categories = {category.pk: category for category in by_code.values()}
        self.plan = [(by_code[code], weight, templates) for code, weight, templates in CATEGORIES if code in by_code]
        if not self.plan:
            raise SimulationError("None of the standard categories is active: nothing to report.")
        self._inner = {}

    def operators(self, case):
        """The operators of the township centre over the case's place."""
        township = self.township_of.get(case.region_id)
        centre = self.unit_at.get((township, UnitKind.TOWNSHIP_CENTRE))
        return self.handlers.get(centre.pk, []) if centre else []

    def township_unit(self, case, kind):
        township = self.township_of.get(case.region_id)
        unit = self.unit_at.get((township, kind)) or self.unit_at.get((case.region_id, kind))
        return unit if unit is not None and self.handlers.get(unit.pk) else None

    def inner(self, cell):
        """The cell shrunk by about a metre, so that a point inside it is not on a shared edge."""
        shape = self._inner.get(cell.pk)
        if shape is None:
            shrunk = cell.boundary.buffer(-1e-5)
            shape = self._inner[cell.pk] = (shrunk if not shrunk.empty else cell.boundary).prepared
        return shape


def code_of(unit):
    return unit.code


class Simulation:
    """Run with `step()` (one action) and `backfill(n)`; `counts` and `failures` say what happened."""

    def __init__(self, seed=None, log=None):
        self.seed = seed
        self.rng = random.Random(seed)
        self.world = World()
        self.log = log or (lambda line: None)
        self.counts = Counter()
        self.failures = Counter()
        self.events = []

    # --- the step -----------------------------------------------------------------------

    def step(self):
        """One action, chosen by weight; returns the events it produced."""
        moving = self.moving_cases()
        actions, weights = zip(*ACTIONS, strict=True)
        weights = list(weights)
        if len(moving) >= BUSY_OPEN_CASES:
            weights[0] /= 2
        action = self.rng.choices(actions, weights)[0]
        start = len(self.events)
        done = action != "report" and getattr(self, f"_{action}")(moving)
        if not done:
            self.report()
        return self.events[start:]

    def moving_cases(self):
        """Open cases of the demo county someone would act on now (the neglected ones left out), oldest first."""
        return [case for case in self.cases(MOVING_STATES) if not self.neglected(case)]

    @staticmethod
    def cases(states):
        """The demo county's cases in `states`, oldest first, with the id of their first report."""
        first_report = Report.objects.filter(case=OuterRef("pk")).order_by("received_at", "id").values("id")[:1]
        return list(
            Case.objects.filter(state__in=states, area_code__startswith=COUNTY_PREFIX)
            .annotate(first_report=Subquery(first_report))
            .order_by("pk")
        )

    @staticmethod
    def neglected(case):
        """A few cases are left alone at one state, chosen by their first report's id, until the
        deadline sweeper has acted on them (escalated them on, or flagged them for supervision)."""
        if not case.first_report or case.breached_at is not None:
            return False
        number = uuid.UUID(str(case.first_report)).int
        return number % 100 < NEGLECT_PERCENT and case.state == NEGLECT_STATES[(number // 100) % len(NEGLECT_STATES)]

    # --- reports ------------------------------------------------------------------------

    def report(self, occurred_at=None, *, cell=None, category_code=None, parties=None, description=None):
        """Report a made-up case; `cell`, `category_code`, `parties` and `description` plant a given one."""
        world, rng = self.world, self.rng
        reporter, chosen = rng.choices(world.reporters, world.reporter_weights)[0]
        if cell is None:
            cell = chosen
        else:
            reporter = world.gridworker_of_cell.get(cell.pk) or next(u for u, c in world.reporters if c.pk == cell.pk)
        plan = world.plan
        if category_code is not None:
            plan = [entry for entry in world.plan if entry[0].code == category_code] or world.plan
        category, _weight, templates = rng.choices(plan, [weight for _c, weight, _t in plan])[0]
        a, b = rng.sample(PARTY_NAMES, 2)
        if parties:
            a, b = parties[0]["name"], parties[1]["name"] if len(parties) > 1 else b
        village = world.region_names.get(cell.village_id, "")
        if description is None:
            description = rng.choice(templates).format(a=a, b=b, place=rng.choice(PLACES), village=village)
        lon, lat = self.point_in(cell)
        report_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        severity = 3 if category.code == "5501" else rng.choices((1, 2, 3, 4), (45, 40, 12, 3))[0]
        now = timezone.now()
        data = {
            "id": report_id,
            "source": "app",
            "category": category.code,
            "description": description,
            "lon": lon,
            "lat": lat,
            "accuracy_m": float(rng.choice((5, 8, 10, 15, 20, 30))),
            "occurred_at": occurred_at or now - datetime.timedelta(minutes=rng.randint(5, 240)),
            "severity": severity,
            "parties": [],
            "photos": [],
        }
        if parties:
            data["parties"] = [dict(party) for party in parties]
        elif category.kind == CaseKind.DISPUTE:
            names = [a, b]
            if rng.random() < 0.15:  # now and then a third party
                names.append(rng.choice([name for name in PARTY_NAMES if name not in names]))
            roles = (PartyRole.APPLICANT, PartyRole.RESPONDENT, PartyRole.THIRD)
            data["parties"] = [
                {
                    "name": name,
                    "role": role,
                    "id_number": id_number(rng) if rng.random() < 0.7 else "",
                    "phone": masked_phone(rng),
                }
                for name, role in zip(names, roles, strict=False)
            ]
        top = top_code(category.code)
        if severity == 1 and rng.random() < ON_SITE_SHARE.get(top, 0):
            data["resolved_on_site"] = True
            data["on_site_result"] = ON_SITE_RESULTS[top]
            photo = hashlib.sha256(f"gridgov-simulation:{report_id}:result".encode()).hexdigest()
            data["photos"] = [{"sha256": photo, "purpose": PhotoPurpose.RESULT}]
        action = "report_on_site" if data.get("resolved_on_site") else "report"
        try:
            case = intake.submit_report(reporter, data).case
        except WorkflowError as error:
            return self._failed(action, category.code, "", reporter, f"{category.name} {village}", error)
        detail = f"{category.name} {village}" + (" (settled on the spot)" if data.get("resolved_on_site") else "")
        self._done(action, case, reporter, detail, category=category)
        return case

    def point_in(self, cell):
        """A random point well inside the cell: its point on surface, jittered, checked with `contains`."""
        anchor = cell.boundary.point_on_surface
        xmin, ymin, xmax, ymax = cell.boundary.extent
        inner = self.world.inner(cell)
        for _attempt in range(30):
            x = anchor.x + self.rng.gauss(0, (xmax - xmin) / 5)
            y = anchor.y + self.rng.gauss(0, (ymax - ymin) / 5)
            if inner.contains(Point(x, y, srid=4326)):
                return round(x, 7), round(y, 7)
        return round(anchor.x, 7), round(anchor.y, 7)

    # --- progress -----------------------------------------------------------------------

    def _progress(self, moving):
        if not moving:
            return False
        self.advance(self.rng.choice(moving))
        return True

    def advance(self, case):
        """The next natural move of `case`, by whoever's job it is. False when nobody can move it."""
        case = Case.objects.get(pk=case.pk)
        state = case.state
        if state == S.REPORTED:
            return self.accept(case)
        if state == S.ACCEPTED:
            if case.grade == "red":
                return self.summon(case)
            return self.dispatch(case)
        if state == S.DISPATCHED:
            return self.start(case)
        if state == S.IN_PROGRESS:
            task = JointTask.objects.filter(case=case, answered_at__isnull=True).order_by("pk").first()
            return self.answer(case, task) if task else self.resolve(case)
        if state == S.RESOLVED:
            return self.verify(case)
        if state == S.VERIFIED:
            return self.close(case)
        return False

    def handler_or_operator(self, case):
        people = self.world.handlers.get(case.current_unit_id) or self.world.operators(case)
        return self.rng.choice(people) if people else None

    def accept(self, case):
        user = self.handler_or_operator(case)
        return self._call("accept", case, user, "", workflow.accept_case, user, case)

    def dispatch(self, case):
        world, rng = self.world, self.rng
        user = self.handler_or_operator(case)
        here = world.units.get(case.current_unit_id)
        if world.handlers.get(case.current_unit_id) and rng.random() < 0.75:
            target = here  # the unit handles it itself
        else:
            kinds = DISPATCH_TO.get(top_code(self.code(case)))
            if kinds is None:
                kinds = DISPUTE_DISPATCH if case.kind == CaseKind.DISPUTE else (UnitKind.TOWNSHIP_CENTRE,)
            targets = [unit for unit in (world.township_unit(case, kind) for kind in kinds) if unit]
            if case.kind == CaseKind.DISPUTE and targets and targets[0].kind == UnitKind.VILLAGE_MEDIATION:
                target = targets[0] if rng.random() < 0.8 or len(targets) == 1 else targets[1]
            else:
                target = targets[0] if targets else here
        note = "请及时处置"
        return self._call(
            "dispatch", case, user, f"→ {target.name}", workflow.dispatch_case, user, case, unit=target, note=note
        )

    def start(self, case):
        people = self.world.handlers.get(case.current_unit_id)
        if not people:  # nobody at that unit can take it up: the centre sends it on
            return self.escalate(case, reason="承办单位无人受理，申请上级统筹处置。")
        user = self.rng.choice(people)
        return self._call("start", case, user, "", workflow.start_case, user, case)

    def resolve(self, case):
        people = self.world.handlers.get(case.current_unit_id) or []
        if not people:  # back from a failed verification at a unit with nobody to handle it
            return self.escalate(case, reason="承办单位无人处置，申请上级统筹处置。")
        # The one who took it up resolves it; another handler of the unit when that one is gone.
        user = next((p for p in people if p.pk == case.handler_id), None)
        if user is None and people:
            user = self.rng.choice(people)
        result = RESULTS.get(top_code(self.code(case)), "已处置完毕，当事人认可处理结果。")
        return self._call("resolve", case, user, "", workflow.resolve_case, user, case, result=result)

    def verify(self, case):
        world, rng = self.world, self.rng
        excluded = {case.resolved_by_id, case.handler_id}
        candidates = [
            world.gridworker_of_cell.get(case.cell_id),
            world.volunteer_of_village.get(case.region_id),
            *world.operators(case),
        ]
        candidates = [user for user in candidates if user is not None and user.pk not in excluded]
        if not candidates:
            return False
        user = candidates[0] if rng.random() < 0.7 else rng.choice(candidates)
        if rng.random() < VERIFY_FAILS:
            note = "现场核查发现问题仍未彻底解决，需返工。"
            return self._call(
                "verify_failed", case, user, note, workflow.verify_case, user, case, passed=False, note=note
            )
        return self._call("verify", case, user, "", workflow.verify_case, user, case, passed=True, note="核查属实")

    def close(self, case):
        operators = self.world.operators(case)
        user = self.rng.choice(operators) if operators else None
        return self._call("close", case, user, "", workflow.close_case, user, case, note="经核查，同意结案")

    def answer(self, case, task):
        people = self.world.handlers.get(task.unit_id)
        if not people:
            return False
        user = self.rng.choice(people)
        unit = self.world.units[task.unit_id]
        text = ANSWERS.get(unit.kind, "已按要求到场处置，情况已反馈。")
        return self._call("answer", case, user, unit.name, escalation.answer_task, user, task, answer=text)

    # --- the odd extra ------------------------------------------------------------------

    def _escalate(self, moving):
        candidates = [
            case
            for case in moving
            if case.state in escalation.ESCALATE_STATES
            and getattr(self.world.units.get(case.current_unit_id), "kind", None) != UnitKind.COUNTY_CENTRE
        ]
        if not candidates:
            return False
        self.escalate(Case.objects.get(pk=self.rng.choice(candidates).pk))
        return True

    def escalate(self, case, reason=None):
        user = self.handler_or_operator(case)
        reason = reason or self.rng.choice(ESCALATE_REASONS[case.kind])
        return self._call("escalate", case, user, reason, escalation.escalate_case, user, case, reason=reason)

    def _summon(self, moving):
        candidates = [
            case for case in moving if case.state in escalation.SUMMON_STATES and case.handling != Handling.JOINT
        ]
        if not candidates:
            return False
        self.summon(Case.objects.get(pk=self.rng.choice(candidates).pk))
        return True

    def summon(self, case):
        world = self.world
        kinds = SUMMON.get(top_code(self.code(case)), DISPUTE_SUMMON)
        units = [unit for unit in (world.township_unit(case, kind) for kind in kinds) if unit]
        for kind in OFFICES:  # two offices: fill up from the others when one is missing
            unit = world.township_unit(case, kind)
            if len(units) < 2 and unit and unit not in units:
                units.append(unit)
        operators = world.operators(case)
        if len(units) < 2 or not operators:
            return self.dispatch(case) if case.state == S.ACCEPTED else False
        user = self.rng.choice(operators)
        names = "、".join(unit.name for unit in units)
        return self._call(
            "summon",
            case,
            user,
            names,
            escalation.summon_units,
            user,
            case,
            units=units,
            instructions=SUMMON_INSTRUCTIONS,
        )

    def _reject(self, moving):
        candidates = [case for case in moving if case.state == S.REPORTED and case.grade != "red"]
        if not candidates:
            return False
        case = Case.objects.get(pk=self.rng.choice(candidates).pk)
        user = self.handler_or_operator(case)
        reason = self.rng.choice(REJECT_REASONS[case.kind])
        self._call("reject", case, user, reason, workflow.reject_case, user, case, reason=reason)
        return True

    def _follow_up(self, moving):
        visited = FollowUp.objects.filter(case=OuterRef("pk"))
        candidates = list(
            Case.objects.filter(
                kind=CaseKind.DISPUTE, state__in=(S.VERIFIED, S.CLOSED), area_code__startswith=COUNTY_PREFIX
            )
            .exclude(Exists(visited))
            .order_by("-pk")[:200]
        )
        if not candidates:
            return False
        case = self.rng.choice(sorted(candidates, key=lambda case: case.pk))
        self.follow_up(case)
        return True

    def follow_up(self, case):
        world, rng = self.world, self.rng
        people = world.handlers.get(case.first_unit_id) or world.operators(case)
        if not people:
            return False
        user = rng.choice(people)
        satisfaction = rng.choices(*zip(*SATISFACTION_WEIGHTS, strict=True))[0]
        performed = satisfaction != Satisfaction.UNSATISFIED or rng.random() < 0.5
        return self._call(
            "follow_up",
            case,
            user,
            Satisfaction(satisfaction).label,
            workflow.record_follow_up,
            user,
            case,
            performed=performed,
            satisfaction=satisfaction,
            notes=FOLLOW_UP_NOTES[satisfaction],
        )

    # --- backfill -----------------------------------------------------------------------

    def backfill(self, count, days=BACKFILL_DAYS):
        """Report `count` cases that happened over the past `days` and move each some way along.

        Most end closed, some are still being handled, a few wait to be accepted. The services
        stamp them with the current time; only `occurred_at` lies in the past.
        """
        now = timezone.now()
        moments = sorted(now - datetime.timedelta(seconds=self.rng.uniform(3600, days * 86400)) for _n in range(count))
        depths = (0, 1, 2, 3, 4, 5, 6)  # moves after the report: 6 reaches closed
        for occurred_at in moments:
            case = self.report(occurred_at=occurred_at)
            if case is None:
                continue
            if case.grade != "red" and case.state == S.REPORTED and self.rng.random() < 0.04:
                reason = self.rng.choice(REJECT_REASONS[case.kind])
                user = self.handler_or_operator(case)
                self._call("reject", case, user, reason, workflow.reject_case, user, case, reason=reason)
                continue
            moves = self.rng.choices(depths, (6, 4, 4, 6, 6, 8, 66))[0]
            for _move in range(moves + (2 if case.grade == "red" else 0)):  # answers of a joint case are moves too
                if not self.advance(case):
                    break
            case.refresh_from_db()
            if case.kind == CaseKind.DISPUTE and case.state == S.CLOSED and self.rng.random() < 0.6:
                self.follow_up(case)

    # --- planted outbreaks, for the early warning (预警研判) -----------------------------

    def outbreak(self, kind):
        """Plant an outbreak the early warning should catch; returns the cases reported.

        - "land": a run of land disputes in one cell of one village over the past four days (a
          quiet place with a sudden run: a rising trend, and a hot spot when its neighbours join in);
        - "feud": two families in four disputes over the past six weeks, the last with threats
          (the same parties again and again, and risk words).
        """
        rng, now = self.rng, timezone.now()
        cases = []
        if kind == "land":
            cells = sorted({cell.pk: cell for _user, cell in self.world.reporters}.values(), key=lambda c: c.code)
            cell = rng.choice(cells)
            for n in range(rng.randint(6, 8)):
                when = now - datetime.timedelta(days=rng.uniform(0.1, 4), minutes=n)
                code = rng.choice(("130101", "130102", "130101"))
                cases.append(self.report(occurred_at=when, cell=cell, category_code=code))
        elif kind == "feud":
            first, second = rng.sample(PARTY_NAMES, 2)
            families = [
                {"name": first, "role": PartyRole.APPLICANT, "id_number": id_number(rng), "phone": masked_phone(rng)},
                {"name": second, "role": PartyRole.RESPONDENT, "id_number": id_number(rng), "phone": masked_phone(rng)},
            ]
            _user, cell = rng.choice(self.world.reporters)
            stories = [
                ("120101", 40, None),
                ("180201", 25, None),
                ("110202", 10, None),
                (
                    "110202",
                    1,
                    f"{first}与{second}两家积怨已久，今天又在村口争吵，{first}扬言要报复对方，围观村民较多。",
                ),
            ]
            for code, days_ago, description in stories:
                when = now - datetime.timedelta(days=days_ago, hours=rng.uniform(0, 12))
                cases.append(
                    self.report(
                        occurred_at=when, cell=cell, category_code=code, parties=families, description=description
                    )
                )
        else:
            raise ValueError(f"unknown outbreak {kind!r}")
        cases = [case for case in cases if case is not None]
        self.counts[f"outbreak_{kind}"] += 1
        self.log(f"outbreak {kind}: {len(cases)} cases planted")
        return cases

    # --- bookkeeping --------------------------------------------------------------------

    def code(self, case):
        return self.world.categories[case.category_id].code if case.category_id in self.world.categories else ""

    def _call(self, action, case, user, detail, service, *args, **kwargs):
        """Call `service` as `user`; log the outcome. True when it went through."""
        if user is None:
            self._failed(action, self.code(case), case.number, None, self._where(case), "nobody can do this here")
            return False
        try:
            service(*args, **kwargs)
        except WorkflowError as error:
            self._failed(action, self.code(case), case.number, user, self._where(case), error)
            return False
        self._done(action, case, user, detail)
        return True

    def _where(self, case, category=None):
        category = category or self.world.categories.get(case.category_id)
        return f"{category.name if category else ''} {self.world.region_names.get(case.region_id, '')}"

    def _done(self, action, case, user, detail, category=None):
        code = category.code if category else self.code(case)
        self.events.append(Event(action, code, case.number or "", user.get_username(), True, str(detail)))
        self.counts[action] += 1
        where = detail if action.startswith("report") else f"{self._where(case)}{' ' + detail if detail else ''}"
        self.log(f"{action} {case.number} {where} by {person(user)}")

    def _failed(self, action, code, number, user, detail, error):
        username = user.get_username() if user else ""
        self.events.append(Event(action, code, number or "", username, False, str(error)))
        self.failures[action] += 1
        who = f" by {person(user)}" if user else ""
        self.log(f"failed {action} {number or '-'} {detail}{who}: {error}")
        return None

    def summary(self):
        done = ", ".join(f"{action} {n}" for action, n in sorted(self.counts.items()))
        failed = sum(self.failures.values())
        states = Counter(
            Case.objects.filter(area_code__startswith=COUNTY_PREFIX).values_list("state", flat=True).order_by()
        )
        open_states = ", ".join(f"{state} {states[state]}" for state in S.values if states.get(state))
        return (
            f"{sum(self.counts.values())} actions ({done or 'none'}); {failed} refused by the services; "
            f"cases now: {open_states or 'none'}"
        )
