/* The one template filler (assets/common/text.js) for gettext's %(name)s placeholders. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { fill } from "../assets/common/text.js";

test("fills every placeholder, each time it occurs", () => {
  assert.equal(fill("%(count)s cases", { count: 3 }), "3 cases");
  assert.equal(fill("%(a)s and %(b)s, then %(a)s", { a: "x", b: "y" }), "x and y, then x");
  assert.equal(fill("案件 %(number)s · 查询码 %(code)s", { number: "HD-1", code: "8K2" }), "案件 HD-1 · 查询码 8K2");
});

test("falsy values are values: 0 and the empty string are filled in", () => {
  assert.equal(fill("%(count)s waiting", { count: 0 }), "0 waiting");
  assert.equal(fill("[%(name)s]", { name: "" }), "[]");
  assert.equal(fill("%(ok)s", { ok: false }), "false");
});

test("a placeholder with no value stays as it is", () => {
  assert.equal(fill("%(time)s (%(duration)s ago)", { time: "10:00" }), "10:00 (%(duration)s ago)");
  assert.equal(fill("%(time)s", { time: null }), "%(time)s");
  assert.equal(fill("%(time)s", { time: undefined }), "%(time)s");
  assert.equal(fill("%(time)s"), "%(time)s");
});

test("only the values' own names count, not those every object inherits", () => {
  assert.equal(fill("%(constructor)s %(toString)s", {}), "%(constructor)s %(toString)s");
});

test('"%%" is a percent sign, as in Python; other % signs are left alone', () => {
  assert.equal(fill("%(rate)s%% on time", { rate: 95 }), "95% on time");
  assert.equal(fill("100% sure", {}), "100% sure");
  assert.equal(fill("%(count)d cases", { count: 2 }), "%(count)d cases");
});

test("values are not read as templates", () => {
  assert.equal(fill("%(a)s %(b)s", { a: "%(b)s", b: "x" }), "%(b)s x");
});

test("anything given is turned into text", () => {
  assert.equal(fill(42, {}), "42");
  assert.equal(fill("%(n)s", { n: 1.5 }), "1.5");
});
