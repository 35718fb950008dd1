/* Talking to the gridgov API, for every face: fetch with the right credential, JSON in and out,
 * and one error for every failure, in the project's one error shape {code, message, fields}
 * (core's error handler).
 *
 * The credential is the face's: the phone sends its token (`token`, no cookies), the mediator map
 * the session cookie and the CSRF token (`csrf`), an unattended wall its display token (`display`).
 *
 * Failures, sorted into what to do next (ApiError.kind):
 *   network   no answer at all (no signal, timeout, server down, an answer cut off or not JSON)
 *   retry     an answer that asks for a later try: 408, 429 and every 5xx
 *   auth      401: the credential is no longer valid; sign in again
 *   refused   any other 4xx: the server will not take it as it is; its message says why
 */

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

let networkMessage = "network error";

/** The (translated) message of a failure with no answer, for faces that show it as it is. */
export function setNetworkMessage(message) {
  networkMessage = message;
}

export function classify(status) {
  if (!status) return "network";
  if (status === 401) return "auth";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "refused";
}

/** The error shape from whatever came back: the server's own, or one made from the status. */
export function errorBody(status, data, statusText = "") {
  if (data && typeof data === "object" && !Array.isArray(data) && (data.code || data.message)) {
    return {
      code: String(data.code || "error"),
      message: String(data.message || statusText || status),
      fields: data.fields && typeof data.fields === "object" ? data.fields : {},
    };
  }
  // Not the project's shape: an error page from a proxy, say.
  return { code: "error", message: statusText || `HTTP ${status}`, fields: {} };
}

/** The server's message, then the fields' own messages that say more, each once. */
export function describe(body) {
  if (!body) return "";
  const parts = [];
  if (body.message) parts.push(String(body.message));
  for (const messages of Object.values(body.fields || {})) {
    for (const message of [].concat(messages || [])) {
      if (!parts.includes(String(message))) parts.push(String(message));
    }
  }
  return parts.join(" ");
}

export class ApiError extends Error {
  /** `body` is in the error shape ({code, message, fields}); `status` is 0 when nothing answered. */
  constructor(kind, status, body) {
    super((body && body.message) || kind);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
    this.body = body || null;
    this.code = (body && body.code) || kind;
    this.fields = (body && body.fields) || {};
  }

  /** The message and the fields' messages in one line, for a face that cannot place them by field. */
  get summary() {
    return describe(this.body) || this.message;
  }
}

function networkError(status = 0) {
  return new ApiError("network", status, { code: "network", message: networkMessage, fields: {} });
}

/**
 * One request. `json` sends a JSON body, `form` a FormData; `timeoutMs` (none by default) gives up
 * with a "network" error. Resolves to {status, data} (data is null for a 204); rejects with
 * ApiError, or with the AbortError when the caller's `signal` aborted.
 */
export async function request(
  url,
  {
    method = "GET",
    json,
    form,
    token,
    display,
    csrf,
    language,
    credentials = "same-origin",
    cache,
    signal,
    timeoutMs = 0,
  } = {},
) {
  const headers = { Accept: "application/json" };
  if (language) headers["Accept-Language"] = language;
  if (token) headers.Authorization = `Token ${token}`;
  else if (display) headers.Authorization = `Display ${display}`;
  if (csrf && UNSAFE.has(method.toUpperCase())) headers["X-CSRFToken"] = csrf;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }

  // Our own controller: the timeout (if any) aborts it, and so does the caller's signal.
  const controller = new AbortController();
  const timer = timeoutMs > 0 ? setTimeout(() => controller.abort(), timeoutMs) : null;
  const forward = () => controller.abort();
  if (signal) {
    if (signal.aborted) controller.abort();
    else signal.addEventListener("abort", forward);
  }
  const init = { method, headers, body, credentials, signal: controller.signal };
  if (cache) init.cache = cache;
  try {
    let response;
    try {
      response = await globalThis.fetch(url, init);
    } catch (error) {
      if (signal && signal.aborted) throw error;
      throw networkError();
    }
    if (response.status === 204) return { status: 204, data: null };
    let data = null;
    let parsed = false;
    try {
      data = await response.json();
      parsed = true;
    } catch (error) {
      if (signal && signal.aborted) throw error;
    }
    if (response.ok) {
      // Cut off mid-answer, or not the API that answered (a captive portal's page): nothing arrived.
      if (!parsed) throw networkError(response.status);
      return { status: response.status, data };
    }
    throw new ApiError(classify(response.status), response.status, errorBody(response.status, data, response.statusText));
  } finally {
    clearTimeout(timer);
    if (signal) signal.removeEventListener("abort", forward);
  }
}
