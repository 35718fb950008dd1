"""Categories are found by everyday words and pinyin, and a search always offers a catch-all."""

from disputes.categories import OTHER, search, search_terms
from disputes.models import Category
from tests.factories import client_for


def nodes(tree):
    for node in tree:
        yield node
        yield from nodes(node["children"])


def test_terms_hold_the_name_the_words_their_pinyin_and_initials():
    terms = search_terms("邻里纠纷", "吵架 骂人").split()
    assert {"邻里纠纷", "linlijiufen", "lljf", "吵架", "chaojia", "cj", "骂人", "mr"} <= set(terms)


def test_the_tree_carries_the_terms_and_the_catch_alls(world):
    tree = client_for(world.gridworker).get("/api/categories/").json()
    by_code = {node["code"]: node for node in nodes(tree)}
    # The standard categories come with the words people say: 路灯 is a broken road facility.
    assert "路灯" in by_code["5302"]["terms"] and "ld" in by_code["5302"]["terms"].split()
    assert "漏水" in by_code["5301"]["terms"] and "吵架" in by_code["1102"]["terms"]
    # One catch-all per kind, and only those.
    assert {code for code, node in by_code.items() if node["other"]} == set(OTHER.values())
    assert {by_code[code]["kind"] for code in OTHER.values()} == {"dispute", "incident"}


def test_an_administrators_words_are_searched_at_once(world):
    client = client_for(world.gridworker)
    before = {node["code"]: node["terms"] for node in nodes(client.get("/api/categories/").json())}
    assert "化粪池" not in before["5202"]
    category = Category.objects.get(code="5202")
    category.keywords = "化粪池 冒水"
    category.save()  # as the admin saves it: the reference cache's token moves with the row
    tree = client.get("/api/categories/").json()
    terms = {node["code"]: node["terms"] for node in nodes(tree)}["5202"].split()
    assert "化粪池" in terms and "hfc" in terms and "maoshui" in terms


def test_the_server_searches_as_the_faces_do(world):
    """`categories.search` (the server's twin of common/categories.js, used by the 12345 import)."""
    assert search("邻里纠纷")[0]["code"] == "11"  # the exact name first
    assert search("lljf")[0]["name"] == "邻里纠纷"  # pinyin initials
    assert search("路灯")[0]["code"] == "5302"  # an everyday word
    assert search("土地纠纷")[0]["name"] == "山林土地纠纷"  # within a name
    assert search("完全无关的说法") == [] and search("  ") == []


# The faces' search, run by node on the tree and queries it is given (JSON on stdin).
NODE_SEARCH = """
import { index, search } from %s;
let input = "";
for await (const chunk of process.stdin) input += chunk;
const { tree, queries } = JSON.parse(input);
const byCode = index(tree);
const answers = queries.map((query) => {
  const { nodes, fallback } = search(byCode, query, 1e9);
  return fallback ? [] : nodes.map((node) => node.code);
});
process.stdout.write(JSON.stringify(answers));
"""


def test_the_server_and_the_faces_rank_every_search_alike(world):
    """`categories.search` repeats common/categories.js's ranking for the 12345 import: both are run
    on the standard tree for a few thousand queries (every name, code, word and pinyin term, their
    beginnings and middles, mixed case and spaces) and must give the same categories in the same order."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from disputes.categories import active_tree

    node_bin = shutil.which("node")
    assert node_bin, "node is installed by ./dev setup (the front end's build and tests need it)"
    tree = active_tree()
    queries = {"", "  ", "完全无关的说法", "LLJF", " lj f ", "纠纷", "1", "5"}
    for node in nodes(tree):
        for text in (node["name"], node["code"], *node["terms"].split()):
            queries.update({text, text[:1], text[:2], text[1:3], text[-2:], text.upper(), f" {text[:3]} "})
    queries = sorted(queries)
    module = json.dumps((Path(__file__).resolve().parents[2] / "frontend/assets/common/categories.js").as_uri())
    done = subprocess.run(
        [node_bin, "--input-type=module", "-e", NODE_SEARCH % module],
        input=json.dumps({"tree": tree, "queries": queries}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    faces = dict(zip(queries, json.loads(done.stdout), strict=True))
    server = {query: [node["code"] for node in search(query)] for query in queries}
    differing = {query: (server[query], faces[query]) for query in queries if server[query] != faces[query]}
    assert not differing, differing
    assert len(queries) > 1000 and sum(bool(codes) for codes in server.values()) > 1000
