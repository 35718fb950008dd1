/* The state sets come from the server (disputes/lifecycle.py, handed over in the page config):
 * which states run a clock (ticking) and which stop it (paused). Never written out here. */
const lifecycle = JSON.parse(document.getElementById("mediator-config").textContent).lifecycle;

export const PAUSED = new Set(lifecycle.paused);
export const TICKING = new Set(lifecycle.ticking);

/** Open, clock running, past its due time: what the API's `overdue` says, kept true as the clock runs. */
export function isOverdue(p, now = Date.now()) {
  return TICKING.has(p.state) && Boolean(p.due_at) && new Date(p.due_at).getTime() < now;
}
