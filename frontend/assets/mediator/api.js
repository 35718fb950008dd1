/* The API as the page speaks it: session cookie + CSRF token, JSON in and out, one error shape. */

const app = document.getElementById("mediator-app");
const csrf = app ? app.dataset.csrf : "";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || String(status));
    this.status = status;
    this.code = (body && body.code) || "error";
    this.fields = (body && body.fields) || {};
  }
}

let networkMessage = "network error";
export function setNetworkMessage(message) {
  networkMessage = message;
}

export async function api(url, { method = "GET", body, signal } = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin", signal };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    headers["X-CSRFToken"] = csrf;
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { code: "network", message: networkMessage });
  }
  if (response.status === 401 && app && app.dataset.login) {
    // The session has ended (signed out elsewhere, or expired): sign in again and come back here.
    const here = `${window.location.pathname}${window.location.search}`;
    window.location.assign(`${app.dataset.login}?next=${encodeURIComponent(here)}`);
  }
  if (response.status === 204) return { status: 204, data: null };
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    if (error.name === "AbortError") throw error;
    data = null; // not JSON: an error page from a proxy, say
  }
  if (response.ok && data === null) throw new ApiError(response.status, { code: "error", message: response.statusText });
  if (!response.ok) {
    throw new ApiError(response.status, data && data.code ? data : { code: "error", message: response.statusText });
  }
  return { status: response.status, data };
}

/** Every page of a paginated GeoJSON layer, followed through `next`. */
export async function allFeatures(url, signal) {
  const features = [];
  let next = url;
  while (next) {
    const { data } = await api(next, { signal });
    features.push(...(data.features || []));
    next = data.next || null;
  }
  return features;
}

export function withId(template, id) {
  return template.replace("{id}", encodeURIComponent(id));
}
