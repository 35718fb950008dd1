/* The live feed: the newest events first, in a fixed number of rows made once.
 *
 * Events arrive one by one (thousands in a row when a wall catches up after a long outage):
 * adding one only inserts it into a short sorted array; the rows are redrawn once per batch.
 */

import { fill } from "../common/text.js";

export function createFeed({ list, empty, kinds, states, text, formats, now }) {
  const size = Math.max(1, parseInt(list.dataset.rows, 10) || 12);
  const items = []; // newest (highest position) first, at most `size`
  const rows = [];
  let timer = null;

  for (let index = 0; index < size; index += 1) {
    const row = document.createElement("li");
    row.className = "is-empty";
    const time = document.createElement("time");
    const kind = document.createElement("span");
    kind.className = "feed-kind";
    const number = document.createElement("span");
    number.className = "feed-number";
    const what = document.createElement("span");
    what.className = "feed-what";
    row.append(time, kind, number, what);
    rows.push(row);
    list.appendChild(row);
  }

  function detail(event) {
    const payload = event.payload || {};
    if (payload.warning) {
      // An early warning: its place and level (the wall shows no evidence, no case numbers).
      const warning = payload.warning;
      return [warning.place, (text.warningLevels || {})[warning.level] || warning.level].filter(Boolean).join(" · ");
    }
    const facts = payload.case || {};
    const parts = [facts.category];
    if (event.kind === "state_changed" && payload.to_state) {
      parts.push(fill(text.stateTo, { state: states[payload.to_state] || payload.to_state }));
    } else if (event.kind === "escalated" && payload.to_unit) {
      parts.push(fill(text.stateTo, { state: payload.to_unit }));
    } else if (event.kind === "joint_answered" && payload.answered_by_unit) {
      parts.push(payload.answered_by_unit);
    } else if (facts.units && facts.units.length) {
      parts.push(facts.units[0]);
    }
    return parts.filter(Boolean).join(" · ");
  }

  function setText(node, value) {
    if (node.textContent !== value) node.textContent = value;
  }

  function render() {
    timer = null;
    const moment = now();
    rows.forEach((row, index) => {
      const event = items[index];
      row.classList.toggle("is-empty", !event);
      if (!event) return;
      const facts = (event.payload && event.payload.case) || {};
      const at = new Date(event.at);
      row.dataset.seq = String(event.seq);
      row.dataset.kind = event.kind;
      row.dataset.grade = facts.grade || (event.payload && event.payload.warning ? event.payload.warning.level : "");
      row.children[0].dateTime = event.at || "";
      setText(row.children[0], isNaN(at) ? "" : formats.moment(at, moment));
      setText(row.children[1], kinds[event.kind] || event.kind);
      setText(row.children[2], facts.number || "");
      setText(row.children[3], detail(event));
    });
    empty.hidden = items.length > 0;
  }

  return {
    /** Redraw the times (the date appears once an event is no longer from today). */
    refresh() {
      if (timer === null) timer = setTimeout(render, 0);
    },
    add(event) {
      if (items.length === size && event.seq < items[size - 1].seq) return;
      let index = items.findIndex((other) => other.seq < event.seq);
      if (index < 0) index = items.length;
      if (items[index - 1] && items[index - 1].seq === event.seq) return;
      items.splice(index, 0, event);
      if (items.length > size) items.length = size;
      if (timer === null) timer = setTimeout(render, 60);
    },
  };
}
