/* Talking to the gridgov API with the phone's token, and sorting failures into what to do next.
 *
 *   network   no answer at all (no signal, timeout, server down): try again later
 *   retry     an answer that asks for a later try: 408, 429 and every 5xx
 *   auth      401: the token is no longer valid; sign in again (nothing is refused for it)
 *   refused   any other 4xx: the server will not take it as it is; its message says why
 *
 * API errors have one shape, {code, message, fields} (disputes/api/errors.py).
 */
import { config } from "./text.js";

export class ApiError extends Error {
  constructor(kind, status, body) {
    super(describe(body) || kind);
    this.kind = kind;
    this.status = status;
    this.body = body || null;
  }
}

/** The server's message, then the fields' own messages that say more. */
export function describe(body) {
  if (!body) return "";
  const parts = [];
  if (body.message) parts.push(String(body.message));
  const fields = body.fields || {};
  Object.keys(fields).forEach((name) => {
    (fields[name] || []).forEach((message) => {
      if (!parts.includes(String(message))) parts.push(String(message));
    });
  });
  return parts.join(" ");
}

export function classify(status) {
  if (status === 401) return "auth";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "refused";
}

/**
 * fetch with the token and the page's language (messages come back in it).
 * `json` sends a JSON body, `form` a FormData. Resolves to {status, data}; rejects with ApiError.
 */
export async function request(path, { method = "GET", token, json, form, timeoutMs = 30000 } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": config.language || "zh-hans" };
  if (token) headers.Authorization = `Token ${token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  const controller = typeof AbortController === "function" ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : null;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      credentials: "omit", // the token is the only credential: no session, no CSRF
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    });
  } catch (error) {
    throw new ApiError("network", 0, null);
  } finally {
    if (timer) clearTimeout(timer);
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (response.status !== 204 && /json/.test(type)) {
    try {
      data = await response.json();
    } catch (error) {
      if (response.ok) throw new ApiError("network", response.status, null); // cut off mid-answer
    }
  }
  if (response.ok) return { status: response.status, data };
  const errorBody = data && typeof data === "object" ? data : { message: response.statusText || String(response.status) };
  throw new ApiError(classify(response.status), response.status, errorBody);
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
