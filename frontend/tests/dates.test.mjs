/* ISO dates whatever the browser's language (assets/common/dates.js): what is typed is tidied. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { tidy } from "../assets/common/dates.js";

test("dates are tidied to ISO, also from Chinese and slashed forms", () => {
  assert.equal(tidy("2026-12-5"), "2026-12-05");
  assert.equal(tidy(" 2026/1/31 "), "2026-01-31");
  assert.equal(tidy("2026年12月5日"), "2026-12-05");
  assert.equal(tidy(""), "");
  assert.equal(tidy("12/05/2026"), "12/05/2026"); // not ours to guess: the server names the error
});

test("date and time take a space or a T, and come back with a space", () => {
  assert.equal(tidy("2026-12-05T09:30", true), "2026-12-05 09:30");
  assert.equal(tidy("2026-12-5 9:05", true), "2026-12-05 09:05");
  assert.equal(tidy("2026年12月5日 9：05", true), "2026-12-05 09:05");
});
