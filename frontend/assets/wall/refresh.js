/* Fetching the figures (GET /api/wall/): every `intervalMs`, shortly after events, and more often
 * while the server does not answer (each try doubles as a probe of whether it is back).
 *
 * One timer and at most one request at a time, whatever happens: a wall runs for weeks.
 *
 *   soon()   an event arrived: fetch after DEBOUNCE_MS of quiet, at the latest MAX_WAIT_MS after
 *            the first event, and never within MIN_GAP_MS of the previous fetch.
 *
 * Failures reach `onFailure` as common/api.js's ApiError (its `status` says whether the credential
 * was refused).
 */
import { request } from "../common/api.js";

const DEBOUNCE_MS = 1500;
const MAX_WAIT_MS = 6000;
const MIN_GAP_MS = 4000;
const RETRY_MS = 8000; // while failing: a probe every 8 s or so (with jitter)
const TIMEOUT_MS = 20000;

export function createRefresher({ url, display, lang, intervalMs, onBoard, onFailure }) {
  let timer = null;
  let dueAt = Infinity;
  let inFlight = null;
  let again = false;
  let lastStart = 0;
  let pendingSince = null;
  let stopped = false;

  function schedule(delay) {
    clearTimeout(timer);
    dueAt = Date.now() + delay;
    timer = setTimeout(run, delay);
  }

  async function run() {
    timer = null;
    dueAt = Infinity;
    if (stopped) return;
    if (inFlight) {
      again = true;
      return;
    }
    pendingSince = null;
    lastStart = Date.now();
    const controller = new AbortController();
    inFlight = controller;
    const sentAt = Date.now();
    try {
      const { data: board } = await request(url, { display, language: lang, signal: controller.signal, timeoutMs: TIMEOUT_MS });
      const receivedAt = Date.now();
      if (!stopped) onBoard(board, (sentAt + receivedAt) / 2);
      finish(intervalMs);
    } catch (error) {
      if (!stopped) onFailure(error);
      finish(RETRY_MS * (0.75 + Math.random() / 2));
    }
  }

  function finish(next) {
    inFlight = null;
    if (stopped) return;
    if (again) {
      again = false;
      schedule(Math.max(0, lastStart + MIN_GAP_MS - Date.now()));
    } else {
      schedule(next);
    }
  }

  return {
    now() {
      schedule(0);
    },
    soon() {
      const now = Date.now();
      if (pendingSince === null) pendingSince = now;
      const due = Math.max(Math.min(now + DEBOUNCE_MS, pendingSince + MAX_WAIT_MS), lastStart + MIN_GAP_MS);
      if (inFlight) {
        again = true;
      } else if (due !== dueAt) {
        schedule(Math.max(0, due - now));
      }
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      if (inFlight) inFlight.abort();
    },
  };
}
