/* Which states run a clock (disputes/workflow.py STATE_STAGE) and which stop it (PAUSED_STATES). */
export const PAUSED = new Set(["awaiting_materials", "deferred"]);
export const TICKING = new Set(["reported", "accepted", "dispatched", "in_progress"]);

/** Open, not paused, past its due time: what the API's `overdue` says, kept true as the clock runs. */
export function isOverdue(p, now = Date.now()) {
  return TICKING.has(p.state) && Boolean(p.due_at) && new Date(p.due_at).getTime() < now;
}
