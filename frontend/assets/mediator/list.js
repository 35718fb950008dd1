/* The list of matching cases beside the map: number, category, state, deadline; a click selects.
 * It holds the pages loaded so far (newest first); "more" asks for the next one. The server never
 * counts all the matches, so the count says how many are shown and whether there are more. */
import { fmt, h } from "./dom.js";
import { countdown, shortLabel } from "./format.js";
import { PAUSED, TICKING, isOverdue } from "./states.js";

export class CaseList {
  constructor(root, { count, message, strings, config, categoryName, onSelect, onMore }) {
    this.root = root;
    this.count = count;
    this.message = message;
    this.strings = strings;
    this.onSelect = onSelect;
    this.onMore = onMore;
    this.categoryName = categoryName;
    this.states = Object.fromEntries(config.states);
    this.grades = Object.fromEntries(config.grades);
    this.more = false; // the server has more matches than the pages loaded
    this.features = [];
    this.selected = null;
    this.sort = "";
    this.flash = new Set();
  }

  loading() {
    this.root.setAttribute("aria-busy", "true");
    this.count.textContent = "";
    this.showMessage(this.strings.loading);
  }

  failed(text) {
    this.root.removeAttribute("aria-busy");
    this.root.replaceChildren();
    this.count.textContent = "";
    this.showMessage(text, true);
  }

  showMessage(text, error = false) {
    this.message.hidden = !text;
    this.message.textContent = text || "";
    this.message.classList.toggle("error", error);
    if (error) this.message.setAttribute("role", "alert");
    else this.message.removeAttribute("role");
  }

  set(features, { more = false } = {}) {
    this.features = features;
    this.more = more;
    this.render();
  }

  sorted() {
    if (this.sort !== "deadline") return this.features;
    const key = (f) => (f.properties.due_at && TICKING.has(f.properties.state) ? new Date(f.properties.due_at).getTime() : Infinity);
    return this.features.slice().sort((a, b) => key(a) - key(b) || b.id - a.id);
  }

  render() {
    const s = this.strings;
    const rows = this.sorted();
    this.root.removeAttribute("aria-busy");
    const total = rows.length;
    if (this.more) this.count.textContent = fmt(s.count_more, { count: total });
    else this.count.textContent = total === 1 ? s.count_one : fmt(s.count, { count: total });
    this.showMessage(total ? "" : s.no_cases);
    const now = Date.now();
    const items = rows.map((feature) => this.row(feature, now));
    if (this.more) {
      items.push(
        h(
          "li",
          { class: "more" },
          h("button", { type: "button", class: "quiet", text: s.load_more, onclick: () => this.onMore() }),
        ),
      );
    }
    this.root.replaceChildren(...items);
    this.flash.clear();
  }

  row(feature, now) {
    const p = feature.properties;
    const deadline = this.deadline(p, now);
    const selected = this.selected === feature.id;
    const button = h(
      "button",
      {
        type: "button",
        class: "case-row",
        "aria-current": selected ? "true" : null,
        dataset: { id: feature.id },
        onclick: () => this.onSelect(feature.id),
      },
      h(
        "span",
        { class: "row-top" },
        h("strong", { class: "number", text: p.number }),
        h("span", { class: `badge state state-${p.state}`, dataset: { state: p.state }, text: this.states[p.state] || p.state }),
        p.duplicates ? h("span", { class: "badge duplicates", text: fmt(this.strings.maybe_duplicates, { count: p.duplicates }) }) : null,
      ),
      h(
        "span",
        { class: "row-mid" },
        h("span", { class: `dot grade-${p.grade}`, title: shortLabel(this.grades[p.grade] || p.grade) }),
        h("span", { class: "category", text: this.categoryName(p.category) }),
      ),
      h("span", { class: `row-deadline${deadline.overdue ? " late" : ""}`, text: deadline.text }),
    );
    return h("li", { class: `${this.flash.has(feature.id) ? "flash" : ""}`, dataset: { id: feature.id } }, button);
  }

  deadline(p, now) {
    const s = this.strings;
    if (PAUSED.has(p.state)) return { overdue: false, text: s.paused };
    if (!p.due_at || !TICKING.has(p.state)) return { overdue: false, text: s.no_deadline };
    const left = countdown(p.due_at, s, now, false);
    return { overdue: isOverdue(p, now), text: left.text };
  }

  select(id) {
    this.selected = id;
    this.root.querySelectorAll(".case-row").forEach((button) => {
      if (Number(button.dataset.id) === id) {
        button.setAttribute("aria-current", "true");
        button.scrollIntoView({ block: "nearest" });
      } else button.removeAttribute("aria-current");
    });
  }

  /** Mark a row as just changed (it flashes once on the next render). */
  changed(id) {
    this.flash.add(id);
  }
}
