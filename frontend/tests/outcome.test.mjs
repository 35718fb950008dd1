/* After the mediator panel's own act (assets/mediator/outcome.js): never "changed elsewhere". */
import assert from "node:assert/strict";
import { test } from "node:test";

import { afterAct } from "../assets/mediator/outcome.js";

test("an act answered with the case shows that case", () => {
  const detail = { id: 7, number: "C1", version: 4, allowed_actions: ["resolve"], state: "in_progress" };
  assert.equal(afterAct({ status: 200, data: detail }), "show");
});

test("a joint task's answer (the task, not the case) reloads the case", () => {
  // Defect 11: the answer was saved, then the panel took its own change for someone else's.
  const task = { id: 3, unit: { code: "U1", name: "派出所" }, answer: "已到场", answered_at: "2026-12-01T09:00:00+08:00" };
  assert.equal(afterAct({ status: 200, data: task }), "reload");
});

test("an act that moves the case out of sight says it is gone", () => {
  assert.equal(afterAct({ status: 204, data: null }), "gone");
});
