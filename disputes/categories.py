"""The standard category tree (大类 / 中类 / 小类) every installation starts with.

Names are data, in Chinese as the practice uses them; administrators edit them, their
default grades and time limits in the admin. Codes: 2 digits for a major category,
4 for a middle one, 6 for a minor one. Disputes use 10–49, incidents 50–99.
"""

D, I = "dispute", "incident"  # noqa: E741
G, Y, O, R = "green", "yellow", "orange", "red"  # noqa: E741

# (code, name, kind, default grade, {stage: (amount, unit)}, children)
# Limits not given here are inherited from the parent, then from workflow.DEFAULT_LIMITS.
WD, WH = "working_days", "working_hours"
DISPUTE_LIMITS = {"accept": (1, WD), "dispatch": (1, WD), "handle": (15, WD), "verify": (3, WD)}

TREE = [
    (
        "10",
        "婚姻家庭纠纷",
        D,
        G,
        DISPUTE_LIMITS,
        [
            ("1001", "婚姻纠纷", [("100101", "离婚纠纷"), ("100102", "彩礼纠纷")]),
            ("1002", "家庭纠纷", [("100201", "赡养纠纷"), ("100202", "抚养纠纷"), ("100203", "继承纠纷")]),
        ],
    ),
    (
        "11",
        "邻里纠纷",
        D,
        G,
        DISPUTE_LIMITS,
        [
            ("1101", "相邻关系纠纷", [("110101", "通行纠纷"), ("110102", "排水纠纷"), ("110103", "采光通风纠纷")]),
            ("1102", "邻里摩擦", [("110201", "噪音纠纷"), ("110202", "口角纠纷")]),
        ],
    ),
    (
        "12",
        "房屋宅基地纠纷",
        D,
        Y,
        DISPUTE_LIMITS,
        [
            ("1201", "宅基地纠纷", [("120101", "宅基地界址纠纷"), ("120102", "宅基地使用权纠纷")]),
            ("1202", "房屋纠纷", [("120201", "房屋买卖纠纷"), ("120202", "房屋租赁纠纷"), ("120203", "建房纠纷")]),
        ],
    ),
    (
        "13",
        "土地承包经营纠纷",
        D,
        Y,
        DISPUTE_LIMITS,
        [
            (
                "1301",
                "承包经营纠纷",
                [("130101", "承包地界址纠纷"), ("130102", "土地流转纠纷"), ("130103", "承包费纠纷")],
            ),
        ],
    ),
    (
        "14",
        "山林土地纠纷",
        D,
        Y,
        DISPUTE_LIMITS,
        [
            ("1401", "林地林木纠纷", [("140101", "林权纠纷"), ("140102", "林木采伐纠纷")]),
            ("1402", "草场纠纷", [("140201", "草场界址纠纷"), ("140202", "放牧纠纷")]),
        ],
    ),
    (
        "15",
        "征地拆迁纠纷",
        D,
        O,
        {**DISPUTE_LIMITS, "handle": (20, WD)},
        [
            ("1501", "征地补偿纠纷", []),
            ("1502", "拆迁安置纠纷", []),
        ],
    ),
    (
        "16",
        "劳动争议",
        D,
        Y,
        DISPUTE_LIMITS,
        [
            ("1601", "欠薪纠纷", [("160101", "农民工工资纠纷")]),
            ("1602", "工伤纠纷", []),
        ],
    ),
    (
        "17",
        "合同纠纷",
        D,
        Y,
        DISPUTE_LIMITS,
        [
            ("1701", "买卖合同纠纷", []),
            ("1702", "借贷纠纷", []),
        ],
    ),
    (
        "18",
        "损害赔偿纠纷",
        D,
        Y,
        DISPUTE_LIMITS,
        [
            ("1801", "人身损害赔偿纠纷", []),
            ("1802", "财产损害赔偿纠纷", [("180201", "牲畜损害庄稼纠纷")]),
        ],
    ),
    ("19", "医疗纠纷", D, O, DISPUTE_LIMITS, []),
    ("20", "道路交通事故纠纷", D, Y, DISPUTE_LIMITS, []),
    ("21", "物业纠纷", D, G, DISPUTE_LIMITS, []),
    ("22", "消费纠纷", D, G, DISPUTE_LIMITS, []),
    ("23", "环境污染纠纷", D, Y, DISPUTE_LIMITS, []),
    ("24", "村务管理纠纷", D, Y, DISPUTE_LIMITS, []),
    ("25", "生产经营纠纷", D, Y, DISPUTE_LIMITS, []),
    ("49", "其他纠纷", D, Y, DISPUTE_LIMITS, []),
    (
        "50",
        "安全隐患",
        I,
        O,
        {"accept": (2, WH), "dispatch": (2, WH), "handle": (2, WD)},
        [
            ("5001", "生产安全隐患", []),
            ("5002", "房屋安全隐患", [("500201", "危房")]),
            ("5003", "道路交通安全隐患", []),
        ],
    ),
    (
        "51",
        "社会治安",
        I,
        Y,
        {"accept": (2, WH), "handle": (3, WD)},
        [
            ("5101", "治安隐患", []),
            ("5102", "可疑人员和物品", []),
        ],
    ),
    (
        "52",
        "环境卫生",
        I,
        G,
        {"accept": (4, WH), "dispatch": (4, WH), "handle": (8, WH)},
        [
            ("5201", "垃圾堆放", []),
            ("5202", "污水排放", []),
        ],
    ),
    (
        "53",
        "民生诉求",
        I,
        G,
        {"handle": (5, WD)},
        [
            ("5301", "供水供电", []),
            ("5302", "道路设施损坏", []),
            ("5303", "社会救助", []),
        ],
    ),
    (
        "54",
        "消防安全",
        I,
        O,
        {"accept": (1, WH), "dispatch": (1, WH), "handle": (1, WD)},
        [
            ("5401", "火灾隐患", []),
            ("5402", "消防通道堵塞", []),
        ],
    ),
    (
        "55",
        "群体性事件风险",
        I,
        R,
        {"accept": (1, WH), "dispatch": (2, WH), "handle": (3, WD)},
        [
            ("5501", "群体性上访苗头", []),
        ],
    ),
]


def rows():
    """Yield (code, name, kind, grade, parent code, level, limits) for every category, parents first."""
    for code, name, kind, grade, limits, middles in TREE:
        yield code, name, kind, grade, None, 1, limits
        for middle_code, middle_name, minors in middles:
            yield middle_code, middle_name, kind, grade, code, 2, {}
            for minor_code, minor_name in minors:
                yield minor_code, minor_name, kind, grade, middle_code, 3, {}


def load(Category, StageLimit):  # noqa: N803 (historical models in migrations)
    """Create the categories that do not exist yet; never overwrite an administrator's edits."""
    created = 0
    by_code = {category.code: category for category in Category.objects.all()}
    for code, name, kind, grade, parent, level, limits in rows():
        if code in by_code:
            continue
        category = Category.objects.create(
            code=code, name=name, kind=kind, default_grade=grade, parent=by_code.get(parent), level=level
        )
        by_code[code] = category
        StageLimit.objects.bulk_create(
            [
                StageLimit(category=category, stage=stage, amount=amount, unit=unit)
                for stage, (amount, unit) in limits.items()
            ]
        )
        created += 1
    return created
