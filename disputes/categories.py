"""The standard category tree (大类 / 中类 / 小类) every installation starts with.

Names are data, in Chinese as the practice uses them; administrators edit them, their
default grades and time limits in the admin. Codes: 2 digits for a major category,
4 for a middle one, 6 for a minor one. Disputes use 10–49, incidents 50–99.
"""

import functools

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
    ("99", "其他事件", I, G, {"handle": (5, WD)}, []),
]

# The catch-alls a picker offers when a search finds nothing: one per kind, never "no match".
OTHER = {D: "49", I: "99"}

# The everyday words people say for a category (an administrator edits them in the admin). A search
# finds a category by its name, these words, and the pinyin and initials of both.
KEYWORDS = {
    "1001": "离婚 彩礼 夫妻 吵架",
    "1002": "赡养 老人 养老 抚养 孩子 遗产 分家",
    "1101": "通行 过道 堵路 排水 挡光",
    "1102": "吵架 打架 骂人 噪音 吵闹 扰民",
    "1201": "宅基地 院墙 界址 占地",
    "1202": "房子 租房 盖房 建房",
    "1301": "承包地 地界 流转 租地",
    "17": "欠钱 借钱 还钱 合同",
    "1702": "欠钱 借钱 还钱 欠款",
    "16": "工资 欠薪 讨薪 拖欠工资 工钱",
    "180201": "牛羊 牲口 吃庄稼 踩庄稼",
    "20": "车祸 撞车 交通事故",
    "21": "物业费 小区 物业",
    "23": "污染 臭味 排污 烟尘",
    "5002": "危房 裂缝 房子塌",
    "5003": "路口 交通 红绿灯",
    "5101": "偷盗 小偷 打架 治安",
    "5201": "垃圾 脏乱 乱堆",
    "5202": "污水 脏水 臭水 下水道",
    "5301": "停水 停电 漏水 水管 电线 断电",
    "5302": "路灯 坑洼 井盖 破路 桥 道路",
    "5303": "低保 困难 救助",
    "5401": "着火 火灾 电线老化",
    "5402": "消防通道 堵车 占道",
    "5501": "上访 聚集 群访",
}


def rows():
    """Yield (code, name, kind, grade, parent code, level, limits) for every category, parents first."""
    for code, name, kind, grade, limits, middles in TREE:
        yield code, name, kind, grade, None, 1, limits
        for middle_code, middle_name, minors in middles:
            yield middle_code, middle_name, kind, grade, code, 2, {}
            for minor_code, minor_name in minors:
                yield minor_code, minor_name, kind, grade, middle_code, 3, {}


@functools.lru_cache(maxsize=4096)
def search_terms(name, keywords=""):
    """What a search matches a category by: its name and words, their full pinyin and initials.

    "lljf" finds 邻里纠纷, "linli" too, and "路灯" finds 道路设施损坏 through its words. One string,
    lower case, computed here once and sent with the tree, so every face searches alike offline.
    """
    from pypinyin import Style, lazy_pinyin

    words = [name, *keywords.split()]
    terms = []
    for word in words:
        terms.append(word.lower())
        terms.append("".join(lazy_pinyin(word)).lower())
        terms.append("".join(lazy_pinyin(word, style=Style.FIRST_LETTER)).lower())
    return " ".join(dict.fromkeys(term for term in terms if term))


def load(Category, StageLimit):  # noqa: N803 (historical models in migrations)
    """Create the categories that do not exist yet; never overwrite an administrator's edits."""
    created = 0
    by_code = {category.code: category for category in Category.objects.all()}
    for code, name, kind, grade, parent, level, limits in rows():
        if code in by_code:
            continue
        category = Category.objects.create(
            code=code,
            name=name,
            kind=kind,
            default_grade=grade,
            parent=by_code.get(parent),
            level=level,
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


def add_keywords(Category):  # noqa: N803 (historical models in migrations)
    """Give the standard categories their everyday words, where an administrator has written none."""
    for code, words in KEYWORDS.items():
        Category.objects.filter(code=code, keywords="").update(keywords=words)


def active_tree():
    """The active categories as nested nodes, for the pickers of every face (with their search terms).

    Built once per process from the reference cache's categories and kept with them: a change of any
    category (a new word in the admin) moves the cache's token on commit, and the tree is built anew.
    """
    from .reference import categories

    data = categories.get()
    tree = data.get("tree")
    if tree is None:
        tree = data["tree"] = _tree(data["by_pk"].values())
    return tree


def _tree(rows):
    nodes = {}
    roots = []
    others = set(OTHER.values())
    for category in sorted((row for row in rows if row.active), key=lambda row: (row.level, row.code)):
        node = {
            "code": category.code,
            "name": category.name,
            "level": category.level,
            "kind": category.kind,
            "default_grade": category.default_grade,
            "terms": search_terms(category.name, category.keywords),
            "other": category.code in others,
            "children": [],
        }
        nodes[category.pk] = node
        if category.parent_id is None:
            roots.append(node)
        elif category.parent_id in nodes:  # under an inactive parent, a category is hidden too
            nodes[category.parent_id]["children"].append(node)
    return roots


def _rank(node, query):
    """The same ranks as frontend/assets/common/categories.js (a search gives the same answer on
    every face): exact, prefix, within the name, then within the words and their pinyin. The two
    are held to each other by tests/disputes/test_category_search.py, which runs both (the script
    by node) on the whole tree for every name, code and term and pieces of them."""
    name = node["name"].lower()
    if query in (name, node["code"]):
        return 0
    if name.startswith(query) or node["code"].startswith(query):
        return 1
    if query in name:
        return 2
    terms = node["terms"].split()
    if any(term.startswith(query) for term in terms):
        return 3
    if any(query in term for term in terms):
        return 4
    return -1


def search(query):
    """The active categories matching `query`, best first (deeper ones first among equals, as they
    say more), as tree nodes; an empty list when nothing matches (callers offer `OTHER` then)."""
    wanted = "".join(str(query or "").split()).lower()
    if not wanted:
        return []
    found = []
    stack = list(active_tree())
    while stack:
        node = stack.pop()
        stack.extend(node["children"])
        score = _rank(node, wanted)
        if score >= 0:
            found.append((score, -node["level"], node["code"], node))
    found.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in found]
