/* Dates in one form on every screen, whatever language the browser itself speaks.
 *
 * A native <input type="date"> shows its value in the browser's own locale: an English Chromium
 * shows "12/05/2026" on a Chinese page. Here a date field shows and takes ISO dates instead
 * ("2026-12-05", and "2026-12-05 09:30" with a time), which read the same in Chinese and English,
 * and keeps the native calendar one button away (the picker is the browser's, fully accessible;
 * its result is written back in ISO form). `.value` of the field stays what the code reads. */

const DATE = /^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*$/;
const DATETIME = /^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?[\sT]+(\d{1,2})[:：](\d{2})\s*$/;
const pad = (value) => String(value).padStart(2, "0");

/** "2026-12-5" → "2026-12-05", "2026-12-05T09:30" → "2026-12-05 09:30"; anything else as it is. */
export function tidy(value, withTime) {
  const text = String(value || "");
  const match = (withTime ? DATETIME : DATE).exec(text);
  if (!match) return text.trim();
  const [, year, month, day, hour, minute] = match;
  const date = `${year}-${pad(month)}-${pad(day)}`;
  return withTime ? `${date} ${pad(hour)}:${minute}` : date;
}

/** The value as the API and native inputs take it: "2026-12-05" or "2026-12-05T09:30" ("" when blank). */
export function isoValue(field) {
  const withTime = field.dataset.dateKind === "datetime";
  const text = tidy(field.value, withTime);
  return withTime ? text.replace(" ", "T") : text;
}

/**
 * Turn a native date (or datetime-local) input into an ISO text field with a calendar button.
 * Returns the element to place in the page (the field's new wrapper); when the input is already
 * in the document it is replaced there. `words.choose` labels the button.
 */
export function isoDateField(input, words = {}) {
  const withTime = input.type === "datetime-local";
  const native = document.createElement("input");
  native.type = withTime ? "datetime-local" : "date";
  native.className = "date-native";
  native.tabIndex = -1;
  native.setAttribute("aria-hidden", "true");
  const initial = input.value;
  const parent = input.parentNode;
  const wrapper = document.createElement("span");
  wrapper.className = "date-field";
  if (parent) parent.replaceChild(wrapper, input);
  input.type = "text";
  input.inputMode = "numeric";
  input.autocomplete = "off";
  input.dataset.dateKind = withTime ? "datetime" : "date";
  input.placeholder = withTime ? "YYYY-MM-DD HH:MM" : "YYYY-MM-DD";
  input.value = tidy(initial, withTime);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "date-button";
  button.setAttribute("aria-label", words.choose || "📅");
  button.title = words.choose || "";
  button.textContent = "📅";
  button.addEventListener("click", () => {
    native.value = isoValue(input);
    if (typeof native.showPicker === "function") {
      try {
        native.showPicker();
        return;
      } catch {
        // no picker from here (an old browser): the field takes typing all the same
      }
    }
    input.focus();
  });
  native.addEventListener("change", () => {
    input.value = tidy(native.value, withTime);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
  input.addEventListener("change", () => {
    input.value = tidy(input.value, withTime);
  });
  wrapper.append(input, button, native);
  return wrapper;
}

/** Every native date and datetime input under `root`, as ISO fields. */
export function isoDateFields(root, words) {
  root.querySelectorAll('input[type="date"], input[type="datetime-local"]').forEach((input) => isoDateField(input, words));
}
