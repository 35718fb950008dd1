/* Dates, times and deadlines in the page's language. */
import { fmt } from "./dom.js";

const lang = document.documentElement.lang || undefined;
const dateTime = new Intl.DateTimeFormat(lang, {
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});
const dateOnly = new Intl.DateTimeFormat(lang, { year: "numeric", month: "2-digit", day: "2-digit" });
const timeOnly = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

export function when(value) {
  if (!value) return "";
  const date = value instanceof Date ? value : new Date(value);
  return isNaN(date) ? String(value) : dateTime.format(date);
}

export function day(value) {
  if (!value) return "";
  // A bare date ("2025-05-01") is a calendar day, not a UTC midnight.
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value);
  return isNaN(date) ? String(value) : dateOnly.format(date);
}

export function clock(value) {
  const date = value instanceof Date ? value : new Date(value);
  return isNaN(date) ? "" : timeOnly.format(date);
}

const pad = (n) => String(n).padStart(2, "0");

/** The time to (or past) a deadline: {overdue, text}; `precise` adds seconds, for the ticking countdown. */
export function countdown(dueAt, strings, now = Date.now(), precise = false) {
  const due = new Date(dueAt).getTime();
  let ms = due - now;
  const overdue = ms < 0;
  ms = Math.abs(ms);
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  let time;
  if (precise) {
    const hms = `${pad(hours)}:${pad(minutes)}:${pad(seconds % 60)}`;
    time = days ? fmt(strings.days_clock, { days, clock: hms }) : hms;
  } else if (days) {
    time = fmt(strings.days_hours, { days, hours });
  } else {
    time = fmt(strings.hours_minutes, { hours, minutes });
  }
  return { overdue, text: fmt(overdue ? strings.late : strings.left, { time }) };
}

/** "2025-05-01" from a date input, one day on: an inclusive "to" day as the API's exclusive bound. */
export function shiftDay(value, days) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
  if (!match) return "";
  const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3] + days));
  return date.toISOString().slice(0, 10);
}

/** A datetime-local value ("2025-05-01T14:30") as an ISO time with the browser's offset. */
export function localToIso(value) {
  if (!value) return "";
  const date = new Date(value);
  return isNaN(date) ? value : date.toISOString();
}

/** The value a datetime-local input shows for `date` (default now), to the minute. */
export function isoToLocal(date = new Date()) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "green: the gridworker follows up" → "green": the grade's name without its explanation. */
export function shortLabel(label) {
  return String(label).split(/[:：]/)[0];
}
