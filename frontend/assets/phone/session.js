/* Signing in again without losing anything: what the sign-in screen says when the server no
 * longer takes the phone's token (expired after long disuse, signed out, revoked by an
 * administrator for a lost phone), and what is still waiting on the phone. The outbox is keyed
 * by username and is never cleared by a lost sign-in: after signing in again as the same user,
 * the waiting reports are sent. Plain functions: no storage, no network, no page.
 */
import { REFUSED, SENT } from "./outbox.js";

/** The reports not yet settled: neither received by the server nor refused. */
export function pendingCount(items) {
  return (items || []).filter((item) => item.state !== SENT && item.state !== REFUSED).length;
}

/** Why the sign-in ended, from the 401's error code (core's error shape). */
export function authLossReason(error) {
  const code = error && (error.code || (error.body && error.body.code));
  if (code === "token_expired") return "expired";
  if (code === "token_invalid") return "revoked";
  return "ended";
}

/**
 * The notice of the sign-in screen after the sign-in was lost, as [string key, params] pairs for
 * text.js's t(): why, then how many reports wait for the next sign-in (when any do).
 */
export function signInNotice(reason, pending) {
  const lines = [[{ expired: "signInExpired", revoked: "signInRevoked" }[reason] || "signInAgain", null]];
  if (pending > 0) lines.push(["pendingAfterSignIn", { count: pending }]);
  return lines;
}
