/* Formatting for the wall: numbers, rates, times in the server's time zone, durations.
 * Every word comes from the page (the view's translated `text`); `%(name)s` marks a value. */
import { fill } from "../common/text.js";

function formatter(lang, options, timeZone) {
  try {
    return new Intl.DateTimeFormat(lang, { ...options, timeZone });
  } catch {
    return new Intl.DateTimeFormat(lang, options); // an unknown zone name: the browser's own
  }
}

export function makeFormats(lang, timeZone, text) {
  const time = formatter(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }, timeZone);
  const dayTime = formatter(
    lang,
    { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" },
    timeZone,
  );
  const date = formatter(lang, { year: "numeric", month: "long", day: "numeric", weekday: "long" }, timeZone);
  const day = formatter(lang, { year: "numeric", month: "2-digit", day: "2-digit" }, timeZone);
  const percent = new Intl.NumberFormat(lang, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const wholePercent = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 });
  const integer = new Intl.NumberFormat(lang);
  const decimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });

  function sameDay(a, b) {
    return day.format(a) === day.format(b);
  }

  return {
    time: (when) => time.format(when),
    date: (when) => date.format(when),
    /** The time alone when `when` is on the day of `now`, else with the date. */
    moment: (when, now) => (sameDay(when, now) ? time.format(when) : dayTime.format(when)),
    count: (value) => (typeof value === "number" && isFinite(value) ? integer.format(value) : "–"),
    rate: (value) => (typeof value === "number" && isFinite(value) ? percent.format(value) : "–"),
    shortRate: (value) => (typeof value === "number" && isFinite(value) ? wholePercent.format(value) : "–"),
    /** "12 min", "3 h 5 min" from milliseconds. */
    duration: (ms) => {
      const minutes = Math.max(0, Math.floor(ms / 60000));
      if (minutes < 60) return fill(text.minutes, { minutes });
      return fill(text.hoursMinutes, { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
    },
    /** "0.5 h", "5 h", "2 d 3 h" from hours. */
    overdue: (hours) => {
      const whole = Math.max(0, Math.floor(hours));
      if (whole < 10) return fill(text.hours, { hours: decimal.format(Math.max(0, Math.floor(hours * 10) / 10)) });
      if (whole < 24) return fill(text.hours, { hours: whole });
      return fill(text.daysHours, { days: Math.floor(whole / 24), hours: whole % 24 });
    },
  };
}
