/* The warnings page (预警研判): the list of warnings in the jurisdiction, one warning's evidence
 * drawn (its daily counts, or its history against what was expected; ECharts from npm), the cases
 * behind it (each opens on the mediator map), its trail, and the three acts: study, act on,
 * dismiss. Every act sends the version the page saw; a stale one is refused (409) and the page
 * reloads the warning. */
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, MarkLineComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import "./style.css";
import { ApiError, describe, request } from "../common/api.js";
import { csrf } from "../common/exports.js";
import { fill } from "../common/text.js";

echarts.use([BarChart, LineChart, GridComponent, MarkLineComponent, TooltipComponent, SVGRenderer]);

const config = JSON.parse(document.getElementById("warnings-config").textContent);
const S = config.strings;
const $ = (id) => document.getElementById(id);
const lang = document.documentElement.lang || "zh-hans";
const state = { selected: config.selected ? Number(config.selected) : null, warning: null, list: [] };
let chart = null;

function when(value) {
  if (!value) return "";
  const date = new Date(value);
  return date.toLocaleString(lang, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function options(select, choices, all) {
  select.replaceChildren(el("option", all));
  select.firstChild.value = "";
  for (const [value, label] of Object.entries(choices)) {
    const option = el("option", label);
    option.value = value;
    select.append(option);
  }
}

function listUrl() {
  const params = new URLSearchParams({ page_size: "200" });
  if ($("open-only").checked) params.set("open", "true");
  if ($("filter-kind").value) params.set("kind", $("filter-kind").value);
  if ($("filter-level").value) params.set("level", $("filter-level").value);
  return `${config.api}?${params}`;
}

async function loadList() {
  $("message").textContent = S.loading;
  try {
    const { data } = await request(listUrl(), { language: lang });
    state.list = data.results;
    $("message").textContent = data.results.length ? "" : S.empty;
    renderList();
  } catch (error) {
    $("message").textContent = `${S.failed} ${error instanceof ApiError ? describe(error.body) : ""}`;
  }
}

function renderList() {
  const head = $("list").tHead;
  const row = document.createElement("tr");
  for (const label of [S.level, S.place, S.kind, S.count, S.state, S.updated]) row.append(el("th", label));
  row.childNodes.forEach((th) => th.setAttribute("scope", "col"));
  head.replaceChildren(row);
  const body = $("list").tBodies[0];
  body.replaceChildren();
  for (const warning of state.list) {
    const tr = document.createElement("tr");
    tr.dataset.id = String(warning.id);
    tr.className = warning.id === state.selected ? "is-selected" : "";
    const level = el("td");
    level.append(el("span", warning.level_display, `level level--${warning.level}`));
    const place = el("td");
    const button = el("button", warning.place_name, "link");
    button.type = "button";
    button.addEventListener("click", () => select(warning.id));
    place.append(button);
    tr.append(level, place, el("td", warning.kind_display), el("td", warning.count ?? ""));
    tr.append(el("td", warning.state_display), el("td", when(warning.updated_at)));
    body.append(tr);
  }
}

function select(id) {
  state.selected = id;
  const url = new URL(window.location.href);
  url.searchParams.set("warning", String(id));
  window.history.replaceState(null, "", url);
  for (const tr of $("list").tBodies[0].rows) tr.classList.toggle("is-selected", Number(tr.dataset.id) === id);
  loadDetail();
}

async function loadDetail() {
  if (!state.selected) {
    $("detail-empty").textContent = S.choose;
    $("detail-body").hidden = true;
    return;
  }
  try {
    const { data } = await request(`${config.api}${state.selected}/`, { language: lang });
    state.warning = data;
    renderDetail(data);
    $("d-chart").dataset.points = String(((data.evidence || {}).series || []).length);
  } catch (error) {
    $("detail-empty").textContent = error instanceof ApiError ? describe(error.body) : S.failed;
    $("detail-body").hidden = true;
  }
}

function meaning(w) {
  const e = w.evidence || {};
  const values = {
    count: e.count,
    days: e.window_days || e.days || "",
    z: e.z,
    p: e.p_value,
    q: e.q_value,
    threshold: e.threshold,
    expected: e.expected,
  };
  return fill(S[`${w.kind}_means`] || "", values);
}

function drawChart(w) {
  const e = w.evidence || {};
  const node = $("d-chart");
  let option = null;
  if (Array.isArray(e.series) && e.series.length) {
    const end = e.series_end ? new Date(e.series_end) : new Date();
    const days = e.series.map((_, index) => {
      const day = new Date(end);
      day.setDate(day.getDate() - (e.series.length - 1 - index));
      return `${day.getMonth() + 1}/${day.getDate()}`;
    });
    option = {
      grid: { left: 32, right: 12, top: 24, bottom: 24 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: days },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: S.days, data: e.series, itemStyle: { color: "#c0392b" } }],
    };
    node.setAttribute("aria-label", S.days);
  }
  if (w.kind === "trend" && Array.isArray(e.history)) {
    const periods = e.history.concat([e.count]);
    option = {
      grid: { left: 32, right: 48, top: 24, bottom: 24 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: periods.map((_, i) => (i === periods.length - 1 ? S.observed : `-${periods.length - 1 - i}`)) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          type: "bar",
          data: periods.map((value, i) => ({ value, itemStyle: { color: i === periods.length - 1 ? "#c0392b" : "#7f8c8d" } })),
          markLine: { symbol: "none", data: [{ yAxis: e.expected, name: S.expected }], label: { formatter: S.expected } },
        },
      ],
    };
    node.setAttribute("aria-label", S.history);
  }
  node.hidden = !option;
  if (!option) return;
  chart = chart || echarts.init(node, null, { renderer: "svg" });
  chart.setOption(option, true);
  chart.resize();
}

function renderDetail(w) {
  $("detail-empty").textContent = "";
  $("detail-body").hidden = false;
  const level = $("d-level");
  level.textContent = w.level_display;
  level.className = `level level--${w.level}`;
  $("d-place").textContent = w.place_name;
  $("d-kind").textContent = w.kind_display;
  $("d-state").textContent = w.state_display;
  $("d-means").textContent = meaning(w);
  drawChart(w);

  const extra = $("d-extra");
  extra.replaceChildren();
  const e = w.evidence || {};
  if (Array.isArray(e.neighbours) && e.neighbours.length) {
    extra.append(el("h3", S.neighbours));
    const list = el("ul", null, "neighbours");
    for (const n of e.neighbours) list.append(el("li", `${n.name}: ${n.count}`));
    extra.append(list);
  }
  if (Array.isArray(e.words) && e.words.length) extra.append(el("p", `${S.words}: ${e.words.join("、")}`));
  if (e.after_agreement) extra.append(el("p", S.after_agreement));

  const cases = $("d-cases");
  cases.replaceChildren();
  for (const c of w.cases || []) {
    const li = el("li");
    const a = el("a", c.number || `#${c.id}`);
    a.href = `${config.mediator}?case=${c.id}`;
    li.append(a, document.createTextNode(` ${c.category} · ${when(c.created_at)}`));
    cases.append(li);
  }

  const notes = $("d-notes");
  notes.replaceChildren();
  if (w.study_note) notes.append(el("p", `${S.studied_note}: ${w.study_note}`));
  if (w.close_note || w.linked_case) {
    const linked = w.linked_case ? ` (${w.linked_case.number})` : "";
    notes.append(el("p", `${S.close_note}: ${w.close_note}${linked}`));
  }

  $("d-acts").hidden = !(w.allowed_actions || []).length;
  $("act-message").textContent = "";

  const trail = $("d-trail");
  trail.replaceChildren();
  for (const entry of w.trail || []) {
    const to = entry.to_state ? ` → ${config.states[entry.to_state] || entry.to_state}` : "";
    trail.append(el("li", `${when(entry.at)} ${entry.actor || ""} ${entry.action}${to}`));
  }
}

async function act(path, body) {
  const w = state.warning;
  try {
    const { data } = await request(`${config.api}${w.id}/${path}/`, {
      method: "POST",
      json: { ...body, version: w.version },
      csrf: csrf(),
      language: lang,
    });
    state.warning = data;
    renderDetail(data);
    $("act-message").textContent = S.done;
    loadList();
  } catch (error) {
    $("act-message").textContent = error instanceof ApiError ? describe(error.body) : String(error);
    if (error instanceof ApiError && error.status === 409) loadDetail();
  }
}

function boot() {
  options($("filter-kind"), config.kinds, S.all_kinds);
  options($("filter-level"), config.levels, S.all_levels);
  const acts = $("act-kind");
  for (const [value, label] of Object.entries(config.acts)) {
    const option = el("option", label);
    option.value = value;
    acts.append(option);
  }
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadList();
  });
  for (const id of ["open-only", "filter-kind", "filter-level"]) $(id).addEventListener("change", loadList);
  $("study-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("study", { note: $("study-note").value });
  });
  $("act-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { act: acts.value, note: $("act-note").value };
    if ($("act-case").value.trim()) body.case = $("act-case").value.trim();
    act("act", body);
  });
  $("dismiss-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("dismiss", { reason: $("dismiss-reason").value });
  });
  window.addEventListener("resize", () => chart && chart.resize());
  // The browser tests wait for this: the list and the chosen warning are drawn.
  Promise.all([loadList(), loadDetail()]).then(() => {
    document.body.dataset.ready = "true";
  });
}

boot();
