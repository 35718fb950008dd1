/* Signing in again without losing the outbox (assets/phone/session.js): what the sign-in screen
 * says after the server stopped taking the phone's token, and what still waits. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { ApiError } from "../assets/common/api.js";
import { REFUSED, SENDING, SENT, WAITING } from "../assets/phone/outbox.js";
import { authLossReason, pendingCount, signInNotice } from "../assets/phone/session.js";

const lost = (code) => new ApiError("auth", 401, { code, message: "请重新登录", fields: {} });

describe("why the sign-in ended", () => {
  test("an expired token, a revoked one, and any other 401", () => {
    assert.equal(authLossReason(lost("token_expired")), "expired");
    assert.equal(authLossReason(lost("token_invalid")), "revoked");
    assert.equal(authLossReason(lost("not_authenticated")), "ended");
    assert.equal(authLossReason(undefined), "ended");
  });
});

describe("what waits on the phone", () => {
  test("reports neither sent nor refused", () => {
    const items = [{ state: WAITING }, { state: SENDING }, { state: SENT }, { state: REFUSED }, { state: WAITING }];
    assert.equal(pendingCount(items), 3);
    assert.equal(pendingCount([]), 0);
    assert.equal(pendingCount(undefined), 0);
  });
});

describe("the sign-in notice", () => {
  test("says why, then how many reports will be sent after signing in", () => {
    assert.deepEqual(signInNotice("expired", 2), [
      ["signInExpired", null],
      ["pendingAfterSignIn", { count: 2 }],
    ]);
    assert.deepEqual(signInNotice("revoked", 1), [
      ["signInRevoked", null],
      ["pendingAfterSignIn", { count: 1 }],
    ]);
  });

  test("says nothing of reports when none wait", () => {
    assert.deepEqual(signInNotice("ended", 0), [["signInAgain", null]]);
  });
});
