/* The API as the phone speaks it: its token and no cookies, the page's language (messages come
 * back in it), never from the browser's cache, and a time limit (a weak signal may never answer).
 * common/api.js does the rest and sorts failures into ApiError's kinds: network / retry / auth / refused.
 */
import { request as send } from "../common/api.js";
import { config } from "./text.js";

const TIMEOUT_MS = 30000;

/** common/api.js's request with the phone's settings; `token` is the signed-in user's. */
export function request(path, options = {}) {
  return send(path, {
    language: config.language || "zh-hans",
    credentials: "omit", // the token is the only credential: no session, no CSRF
    cache: "no-store",
    timeoutMs: TIMEOUT_MS,
    ...options,
  });
}

/** Every page of a paginated list (DRF's {results, next}), up to `limit` items. */
export async function list(path, token, limit = 200) {
  let url = path;
  const items = [];
  while (url && items.length < limit) {
    const { data } = await request(url, { token });
    if (Array.isArray(data)) return data;
    items.push(...(data.results || []));
    url = data.next ? sameOrigin(data.next) : null;
  }
  return items;
}

function sameOrigin(url) {
  const parsed = new URL(url, window.location.href);
  return parsed.pathname + parsed.search;
}
