/* The API as the mediator's page speaks it: the session cookie and the page's CSRF token
 * (common/api.js does the rest); a session that has ended sends the user to sign in and back. */
import { ApiError, request } from "../common/api.js";

const app = document.getElementById("mediator-app");
const csrf = app ? app.dataset.csrf : "";

export async function api(url, { method = "GET", body, signal } = {}) {
  try {
    return await request(url, { method, json: body, signal, csrf });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && app && app.dataset.login) {
      // The session has ended (signed out elsewhere, or expired): sign in again and come back here.
      const here = `${window.location.pathname}${window.location.search}`;
      window.location.assign(`${app.dataset.login}?next=${encodeURIComponent(here)}`);
    }
    throw error;
  }
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
