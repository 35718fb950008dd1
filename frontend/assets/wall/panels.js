/* The wall's panels: counters, rate gauges, category bars, the 督办 list and the ranking.
 *
 * Each list has a fixed number of rows (the template's data-rows), made once and refilled on
 * every refresh, so the page's DOM does not grow however long it runs. A list longer than its
 * rows turns its pages by itself (nobody scrolls a wall).
 */

import { fill } from "../common/text.js";

const PAGE_MS = 12000;

function byId(id) {
  return document.getElementById(id);
}

function setText(node, value) {
  const text = value === null || value === undefined ? "" : String(value);
  if (node.textContent !== text) node.textContent = text;
}

function rowsOf(list) {
  return Math.max(1, parseInt(list.dataset.rows, 10) || 1);
}

/** A list of fixed rows that pages through its items. `fillRow(row, item)` fills a row. */
class PagedRows {
  constructor(container, pageNote, makeRow, fillRow, text) {
    this.container = container;
    this.pageNote = pageNote;
    this.fillRow = fillRow;
    this.text = text;
    this.size = rowsOf(container.closest("[data-rows]") || container);
    this.items = [];
    this.page = 0;
    this.timer = null;
    this.rows = [];
    for (let index = 0; index < this.size; index += 1) {
      const row = makeRow(index);
      row.classList.add("is-empty");
      this.rows.push(row);
      container.appendChild(row);
    }
  }

  set(items) {
    this.items = items || [];
    const pages = this.pages();
    if (this.page >= pages) this.page = 0;
    this.render();
    clearInterval(this.timer);
    this.timer = null;
    if (pages > 1) {
      this.timer = setInterval(() => {
        this.page = (this.page + 1) % this.pages();
        this.render();
      }, PAGE_MS);
    }
  }

  pages() {
    return Math.max(1, Math.ceil(this.items.length / this.size));
  }

  render() {
    const start = this.page * this.size;
    this.rows.forEach((row, index) => {
      const item = this.items[start + index];
      // Empty rows keep their place (and height); their stale text goes.
      row.classList.toggle("is-empty", !item);
      if (item) this.fillRow(row, item, start + index);
      else clear(row);
    });
    const pages = this.pages();
    if (this.pageNote) setText(this.pageNote, pages > 1 ? fill(this.text.page, { page: this.page + 1, pages }) : "");
  }
}

function clear(row) {
  row.querySelectorAll("td, th, span").forEach((node) => {
    if (!node.children.length) setText(node, "");
  });
}

function cell(tag, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return node;
}

export function createPanels({ text, states, formats, down }) {
  const counters = ["reports", "accepted", "closed", "overdue"].map((name) => [name, byId(`today-${name}`)]);
  const gauges = [
    ["closure_rate", byId("rate-closure")],
    ["on_time_rate", byId("rate-on-time")],
    ["satisfaction_rate", byId("rate-satisfaction")],
    ["local_share", byId("rate-local")],
  ];

  const categories = new PagedRows(
    byId("wall-categories"),
    byId("categories-page"),
    () => {
      const row = cell("li", "bar");
      row.append(cell("span", "bar-name"), cell("span", "bar-track"), cell("span", "bar-count"));
      row.children[1].appendChild(cell("span", "bar-fill"));
      return row;
    },
    (row, item) => {
      setText(row.children[0], item.name);
      row.children[1].firstChild.style.width = `${(item.share * 100).toFixed(1)}%`;
      setText(row.children[2], formats.count(item.count));
    },
    text,
  );

  const superviseBody = byId("wall-supervise").tBodies[0];
  const supervise = new PagedRows(
    superviseBody,
    byId("supervise-page"),
    () => {
      const row = cell("tr");
      ["col-number", "col-category", "col-area", "col-unit", "col-state", "col-overdue"].forEach((name) =>
        row.appendChild(cell("td", name)),
      );
      return row;
    },
    (row, item) => {
      const [number, category, area, unit, state, overdue] = row.children;
      row.dataset.grade = item.grade || "";
      setText(number, item.number);
      setText(category, item.category_name);
      setText(area, item.area_name);
      setText(unit, item.unit_name);
      setText(state, states[item.state] || item.state);
      setText(overdue, formats.overdue(item.overdueHours));
    },
    text,
  );

  // 督办令: each order counts down to its own reply deadline, every second (the board comes less often).
  const orderLabels = (map, key) => (text[map] || {})[key] || key;
  const orderCountdown = (node) => {
    const due = Date.parse(node.dataset.due || "");
    if (!isFinite(due)) return setText(node, "");
    const ms = due - Date.now();
    const seconds = Math.floor(Math.abs(ms) / 1000);
    const days = Math.floor(seconds / 86400);
    const pad = (n) => String(n).padStart(2, "0");
    const clock = `${pad(Math.floor((seconds % 86400) / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
    const time = days ? fill(text.orderDaysClock, { days, clock }) : clock;
    node.classList.toggle("is-bad", ms < 0);
    setText(node, fill(ms < 0 ? text.orderLate : text.orderLeft, { time }));
  };
  const ordersTable = byId("wall-orders");
  const orders = ordersTable
    ? new PagedRows(
        ordersTable.tBodies[0],
        byId("orders-page"),
        () => {
          const row = cell("tr");
          ["col-number", "col-reason", "col-level", "col-unit", "col-countdown"].forEach((name) =>
            row.appendChild(cell("td", name)),
          );
          return row;
        },
        (row, item) => {
          const [number, reason, level, unit, countdown] = row.children;
          row.dataset.order = String(item.id);
          row.dataset.state = item.state;
          row.dataset.grade = item.grade || "";
          setText(number, item.number);
          setText(reason, orderLabels("orderReasons", item.reason));
          const state = item.state === "open" ? "" : ` · ${orderLabels("orderStates", item.state)}`;
          setText(level, `${orderLabels("orderLevels", item.level)}${state}`);
          setText(unit, item.unit_name);
          countdown.dataset.due = item.due_at || "";
          orderCountdown(countdown);
        },
        text,
      )
    : null;
  if (ordersTable) {
    setInterval(() => ordersTable.querySelectorAll("tr:not(.is-empty) td.col-countdown").forEach(orderCountdown), 1000);
  }

  const rankingBody = byId("wall-ranking").tBodies[0];
  const ranking = new PagedRows(
    rankingBody,
    byId("ranking-page"),
    () => {
      const row = cell("tr");
      row.appendChild(cell("td", "col-rank"));
      row.appendChild(cell("th", "col-name"));
      row.lastChild.scope = "row";
      for (let index = 0; index < 6; index += 1) row.appendChild(cell("td", "col-num"));
      return row;
    },
    (row, item, index) => {
      const [rank, name, cases, closure, onTime, satisfied, local, overdue] = row.children;
      row.dataset.code = item.code;
      setText(rank, index + 1);
      if (down) {
        // Drill down: the area's own wall (its link is the server's, with the period and any display token).
        let link = name.firstChild;
        if (!link || link.tagName !== "A") {
          name.textContent = "";
          link = name.appendChild(document.createElement("a"));
          link.className = "wall-ranking-link";
        }
        link.href = down.replace("{code}", encodeURIComponent(item.code));
        setText(link, item.name);
      } else setText(name, item.name);
      setText(cases, formats.count(item.cases));
      setText(closure, formats.shortRate(item.closure_rate));
      setText(onTime, formats.shortRate(item.on_time_rate));
      setText(satisfied, formats.shortRate(item.satisfaction_rate));
      setText(local, formats.shortRate(item.local_share));
      setText(overdue, formats.count(item.overdue));
      overdue.classList.toggle("is-bad", item.overdue > 0);
    },
    text,
  );

  function render(board, now) {
    const today = board.today || {};
    for (const [name, node] of counters) setText(node, formats.count(today[name]));
    byId("today-overdue").parentNode.classList.toggle("is-bad", today.overdue > 0);

    const indicators = board.indicators || {};
    for (const [name, node] of gauges) {
      const value = indicators[name];
      node.style.setProperty("--value", typeof value === "number" ? Math.max(0, Math.min(1, value)) : 0);
      node.classList.toggle("no-value", typeof value !== "number");
      setText(node.querySelector(".gauge-value"), formats.rate(value));
    }
    const period = (board.period && text.periods[board.period.name]) || "";
    setText(byId("indicators-period"), period);
    setText(byId("categories-period"), period);

    const rows = board.categories || [];
    const most = rows.reduce((max, row) => Math.max(max, row.count), 0) || 1;
    categories.set(rows.map((row) => ({ ...row, share: row.count / most })));
    byId("categories-empty").hidden = rows.length > 0;

    const overdue = (board.supervise || []).map((row) => {
      const due = Date.parse(row.due_at);
      return { ...row, overdueHours: isFinite(due) ? (now - due) / 3600000 : row.overdue_hours };
    });
    supervise.set(overdue);
    byId("supervise-empty").hidden = overdue.length > 0;
    byId("wall-supervise").parentNode.hidden = overdue.length === 0;

    if (orders) {
      const open = board.orders || [];
      orders.set(open);
      byId("orders-empty").hidden = open.length > 0;
    }

    ranking.set(board.ranking || []);
  }

  return { render };
}
