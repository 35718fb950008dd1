/* The one category search (assets/common/categories.js): names, words, pinyin, and never "no match". */
import assert from "node:assert/strict";
import { test } from "node:test";

import { index, search } from "../assets/common/categories.js";

// Terms as disputes/categories.py search_terms makes them (name, words, full pinyin, initials).
const TREE = [
  {
    code: "11",
    name: "邻里纠纷",
    level: 1,
    kind: "dispute",
    terms: "邻里纠纷 linlijiufen lljf",
    other: false,
    children: [
      {
        code: "1102",
        name: "邻里摩擦",
        level: 2,
        kind: "dispute",
        terms: "邻里摩擦 linlimoca llmc 吵架 chaojia cj",
        other: false,
        children: [],
      },
    ],
  },
  { code: "49", name: "其他纠纷", level: 1, kind: "dispute", terms: "其他纠纷 qitajiufen qtjf", other: true, children: [] },
  {
    code: "53",
    name: "民生诉求",
    level: 1,
    kind: "incident",
    terms: "民生诉求 minshengsuqiu mssq",
    other: false,
    children: [
      {
        code: "5302",
        name: "道路设施损坏",
        level: 2,
        kind: "incident",
        terms: "道路设施损坏 daolusheshisunhuai dlsssh 路灯 ludeng ld",
        other: false,
        children: [],
      },
    ],
  },
  { code: "99", name: "其他事件", level: 1, kind: "incident", terms: "其他事件 qitashijian qtsj", other: true, children: [] },
];

const codes = (result) => result.nodes.map((node) => node.code);

test("finds by name first, then by everyday words, pinyin and initials", () => {
  const byCode = index(TREE);
  assert.deepEqual(codes(search(byCode, "邻里")), ["1102", "11"]); // both names begin so: the finer first
  assert.deepEqual(codes(search(byCode, "邻里纠纷")), ["11"]);
  assert.deepEqual(codes(search(byCode, "路灯")), ["5302"]);
  assert.deepEqual(codes(search(byCode, "lljf")), ["11"]);
  assert.deepEqual(codes(search(byCode, "LinLi")), ["1102", "11"]);
  assert.deepEqual(codes(search(byCode, "吵架")), ["1102"]);
});

test("a search that finds nothing offers the catch-all of each kind", () => {
  const result = search(index(TREE), "飞碟");
  assert.equal(result.fallback, true);
  assert.deepEqual(codes(result).sort(), ["49", "99"]);
  assert.deepEqual(search(index(TREE), "  ").nodes, []);
});

test("nodes keep the path of their ancestors", () => {
  assert.deepEqual(index(TREE).get("5302").path, ["民生诉求"]);
});
