/* Translated text and settings, handed over by the page (frontend/phone.py) as JSON script tags. */
import { fill } from "../common/text.js";

function readJSON(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}

export const strings = readJSON("phone-strings");
export const config = readJSON("phone-config");

/** The string at `path` ("state.sent"), with %(name)s placeholders filled from `params`. */
export function t(path, params) {
  const value = path.split(".").reduce((node, key) => (node == null ? undefined : node[key]), strings);
  if (typeof value !== "string") return path;
  return params ? fill(value, params) : value;
}

const language = () => document.documentElement.lang || undefined;

export function formatTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (isNaN(date)) return "";
  const today = new Date();
  const sameDay = date.toDateString() === today.toDateString();
  const options = sameDay
    ? { hour: "2-digit", minute: "2-digit" }
    : { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" };
  return date.toLocaleString(language(), options);
}

export function formatNumber(value, digits = 0) {
  return Number(value).toLocaleString(language(), { maximumFractionDigits: digits });
}
