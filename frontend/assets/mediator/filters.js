/* The filters: kept in the address (with the API's own parameter names, so a view can be shared),
 * shown in the form, and passed to the API as they are. `case` (the open case) and `colour` ride
 * along in the address only. */
import { isoValue } from "../common/dates.js";
import { shiftDay } from "./format.js";

export const API_PARAMS = ["region", "q", "category", "state", "grade", "overdue", "created_after", "created_before"];
const MULTI = new Set(["state", "grade"]);

export function emptyFilters() {
  return { region: "", q: "", category: "", state: [], grade: [], overdue: "", created_after: "", created_before: "" };
}

export function fromQuery(search) {
  const params = new URLSearchParams(search);
  const filters = emptyFilters();
  for (const name of API_PARAMS) {
    if (MULTI.has(name)) filters[name] = params.getAll(name).filter(Boolean);
    else filters[name] = params.get(name) || "";
  }
  if (!["true", "false"].includes(filters.overdue)) filters.overdue = "";
  return {
    filters,
    caseId: /^\d+$/.test(params.get("case") || "") ? Number(params.get("case")) : null,
    colour: params.get("colour") === "grade" ? "grade" : "state",
  };
}

/** The API's query string for `filters` (no leading "?"). */
export function apiQuery(filters, extra = {}) {
  const params = new URLSearchParams();
  for (const name of API_PARAMS) {
    const value = filters[name];
    if (MULTI.has(name)) value.forEach((item) => params.append(name, item));
    else if (value) params.set(name, value);
  }
  for (const [name, value] of Object.entries(extra)) if (value) params.set(name, value);
  return params.toString();
}

export function pageQuery(filters, caseId, colour) {
  return apiQuery(filters, { case: caseId ? String(caseId) : "", colour: colour === "grade" ? "grade" : "" });
}

export function toForm(form, filters) {
  form.elements.q.value = filters.q;
  const category = form.elements.category;
  category.value = filters.category;
  if (category.value !== filters.category) category.dataset.pending = filters.category; // options not loaded yet
  for (const name of MULTI) {
    form.querySelectorAll(`input[name="${name}"]`).forEach((box) => {
      box.checked = filters[name].includes(box.value);
    });
  }
  form.elements.overdue.value = filters.overdue;
  form.elements.from.value = dateOf(filters.created_after);
  // The API's bound is exclusive; the form's "to" day is inclusive.
  form.elements.to.value = filters.created_before ? shiftDay(dateOf(filters.created_before), -1) : "";
}

export function fromForm(form) {
  const filters = emptyFilters();
  filters.q = form.elements.q.value.trim();
  filters.category = form.elements.category.value || form.elements.category.dataset.pending || "";
  for (const name of MULTI) {
    filters[name] = Array.from(form.querySelectorAll(`input[name="${name}"]:checked`), (box) => box.value);
  }
  filters.overdue = form.elements.overdue.value;
  const from = day(form.elements.from);
  const to = day(form.elements.to);
  filters.created_after = from;
  filters.created_before = to ? shiftDay(to, 1) : "";
  return filters;
}

/** A date field's day, or "" while what is typed is not a whole date yet. */
function day(input) {
  const value = isoValue(input);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : "";
}

function dateOf(value) {
  return (value || "").slice(0, 10);
}

export function sameFilters(a, b) {
  return apiQuery(a) === apiQuery(b);
}
