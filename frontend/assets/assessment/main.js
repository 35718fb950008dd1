/* The assessment page: the ranking (sortable, each name drills down), the indicators with the
 * previous period and last year (the numbers link to the cases behind them on the mediator map),
 * and one indicator's trend over 12 months (ECharts, bundled from npm). Region and period live in
 * the address, so a view can be shared and printed. */
import * as echarts from "echarts/core";
import { LineChart } from "echarts/charts";
import { GridComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";
import "./style.css";
import { ApiError, request } from "../common/api.js";
import { ACTIVE, csrf, exportItem } from "../common/exports.js";

echarts.use([LineChart, GridComponent, TooltipComponent, SVGRenderer]);

const config = JSON.parse(document.getElementById("assessment-config").textContent);
const S = config.strings;
const $ = (id) => document.getElementById(id);
const state = { region: config.region, period: config.period, data: null };
// Each ranking table keeps its own sort.
const sorts = { ranking: { key: "rank", desc: false }, units: { key: "rank", desc: false } };
const EXPORT_POLL_MS = 1500;
let chart = null;

function percent(value) {
  return value === null || value === undefined ? "–" : `${(value * 100).toFixed(1)}%`;
}

function show(indicator, value) {
  if (value === null || value === undefined) return "–";
  if (indicator.unit === "rate") return percent(value);
  if (indicator.unit === "count") return String(value);
  return value.toFixed(1);
}

function cell(row, text, tag = "td") {
  const element = document.createElement(tag);
  if (text instanceof Node) element.append(text);
  else element.textContent = text;
  row.append(element);
  return element;
}

function link(text, href) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

function columns(kind) {
  const common = [
    ["rank", S.rank],
    ["name", kind === "people" ? S.name : S.title],
    ["score", S.score],
    ["score_change", S.change],
  ];
  if (kind === "people") {
    return common.concat(["reports", "on_spot_reports", "verified_on_time", "active_days"].map((k) => [`counts.${k}`, S[k]]));
  }
  return common.concat([
    ["counts.due", S.cases],
    ...["closure_rate", "on_time_rate", "satisfaction_rate", "local_rate"].map((k) => [`values.${k}`, S[k]]),
    ["counts.overdue", S.overdue],
  ]);
}

function pick(row, path) {
  return path.split(".").reduce((value, part) => (value === null || value === undefined ? value : value[part]), row);
}

function drawRanking(tableId, kind, items) {
  const sort = sorts[tableId];
  const table = $(tableId);
  const head = table.tHead;
  const body = table.tBodies[0];
  head.replaceChildren();
  body.replaceChildren();
  const cols = columns(kind);
  const headRow = head.insertRow();
  for (const [key, label] of cols) {
    const th = cell(headRow, "", "th");
    th.scope = "col";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.dataset.sort = key;
    button.addEventListener("click", () => {
      sort.desc = sort.key === key ? !sort.desc : key !== "rank" && key !== "name";
      sort.key = key;
      drawRanking(tableId, kind, items);
    });
    if (sort.key === key) th.setAttribute("aria-sort", sort.desc ? "descending" : "ascending");
    th.append(button);
  }
  const rows = items.slice().sort((a, b) => {
    const x = pick(a, sort.key);
    const y = pick(b, sort.key);
    if (x === y) return a.rank - b.rank;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const order = typeof x === "string" ? x.localeCompare(y, "zh") : x - y;
    return sort.desc ? -order : order;
  });
  if (!rows.length) {
    cell(body.insertRow(), S.empty).colSpan = cols.length;
  }
  for (const item of rows) {
    const row = body.insertRow();
    for (const [key] of cols) {
      const value = pick(item, key);
      if (key === "name" && kind === "areas") {
        cell(row, link(item.name, pageUrl(item.code, state.period)), "th").scope = "row";
      } else if (key === "name") {
        cell(row, item.name, "th").scope = "row";
      } else if (key === "score_change") {
        const text = value === null ? "–" : `${value > 0 ? "+" : ""}${value.toFixed(2)}`;
        const td = cell(row, text);
        td.className = value > 0 ? "up" : value < 0 ? "down" : "";
      } else if (key.startsWith("values.")) {
        cell(row, percent(value));
      } else if (key === "counts.overdue" && value && kind === "areas") {
        cell(row, link(String(value), casesUrl(item.code, { overdue: "true" })));
      } else if (key === "counts.due" && value && kind === "areas") {
        cell(row, link(String(value), casesUrl(item.code, {})));
      } else {
        cell(row, typeof value === "number" && !Number.isInteger(value) ? value.toFixed(2) : String(value ?? "–"));
      }
    }
  }
}

function casesUrl(region, extra) {
  const params = new URLSearchParams({
    region,
    created_after: state.data.period.start,
    created_before: state.data.period.end,
    ...extra,
  });
  return `/mediator/?${params}`;
}

function pageUrl(region, period) {
  return `${window.location.pathname}?${new URLSearchParams({ region, period })}`;
}

/** The indicator's label, with its Chinese name when the label is in another language. */
function named(indicator) {
  return indicator.label === indicator.name ? indicator.name : `${indicator.label} · ${indicator.name}`;
}

function drawIndicators() {
  const data = state.data;
  const table = $("indicators");
  table.tHead.replaceChildren();
  table.tBodies[0].replaceChildren();
  const headRow = table.tHead.insertRow();
  for (const label of [S.indicator, S.value, S.previous, S.last_year, S.formula]) cell(headRow, label, "th").scope = "col";
  for (const indicator of data.indicators) {
    const row = table.tBodies[0].insertRow();
    row.dataset.key = indicator.key;
    cell(row, named(indicator), "th").scope = "row";
    const href = data.links[indicator.key];
    cell(row, href && indicator.value ? link(show(indicator, indicator.value), href) : show(indicator, indicator.value));
    cell(row, show(indicator, indicator.previous));
    cell(row, show(indicator, indicator.last_year));
    cell(row, indicator.formula).className = "formula";
  }
  const select = $("trend-indicator");
  if (!select.options.length) {
    for (const indicator of data.indicators) select.add(new Option(named(indicator), indicator.key));
    select.value = "closure_rate";
  }
}

function drawCrumbs() {
  const crumbs = $("crumbs");
  crumbs.replaceChildren();
  const data = state.data;
  const item = document.createElement("li");
  if (data.region.code !== config.top) item.append(link("↑", pageUrl(config.top, state.period)), " ");
  item.append(data.region.name);
  crumbs.append(item);
  $("title").textContent = `${data.region.name} · ${data.period.code}`;
  document.title = $("title").textContent;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || S.failed);
  return body;
}

async function loadTrend() {
  const key = $("trend-indicator").value;
  const params = new URLSearchParams({ region: state.region, period: state.period, indicator: key });
  const trend = await getJson(`${config.trend}?${params}`);
  chart = chart || echarts.init($("trend-chart"), null, { renderer: "svg" });
  const rate = trend.unit === "rate";
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 20, top: 20, bottom: 30 },
    xAxis: { type: "category", data: trend.points.map((p) => p.period) },
    yAxis: { type: "value", axisLabel: { formatter: rate ? (v) => `${Math.round(v * 100)}%` : "{value}" } },
    series: [{ type: "line", name: trend.name, data: trend.points.map((p) => p.value), connectNulls: false }],
  });
  $("trend-chart").setAttribute("aria-label", `${S.trend}: ${trend.name}`);
  $("trend-chart").dataset.points = String(trend.points.length);
}

function drawReports() {
  const links = state.data.links;
  $("monthly").hidden = !links.monthly_html;
  if (links.monthly_html) {
    $("monthly-html").href = links.monthly_html;
    $("monthly-pdf").href = links.monthly_pdf;
  }
}

/** This period's case register of this region, written by the job runner; its progress, then the file. */
async function exportCases() {
  const button = $("export-cases");
  const language = document.documentElement.lang || "zh-hans";
  const text = config.exportText;
  const { period } = state.data;
  button.disabled = true;
  $("export-message").textContent = "";
  try {
    const filters = { region: state.region, created_after: period.start, created_before: period.end };
    let { data } = await request(config.exports, {
      method: "POST",
      json: { register: "cases", format: "xlsx", filters },
      csrf: csrf(),
      language,
    });
    $("export").replaceChildren(exportItem(data, text));
    while (ACTIVE.has(data.state)) {
      await new Promise((resolve) => setTimeout(resolve, EXPORT_POLL_MS));
      ({ data } = await request(`${config.exports}${data.id}/`, { language }));
      $("export").replaceChildren(exportItem(data, text));
    }
  } catch (error) {
    $("export-message").textContent = error instanceof ApiError ? error.summary : String(error);
  } finally {
    button.disabled = false;
  }
}

async function load() {
  $("message").textContent = S.loading;
  try {
    const params = new URLSearchParams({ period: state.period });
    if (state.region) params.set("region", state.region);
    state.data = await getJson(`${config.api}?${params}`);
    state.region = state.data.region.code;
    $("message").textContent = "";
    drawCrumbs();
    drawRanking("ranking", state.data.ranking_kind, state.data.ranking);
    drawRanking("units", "units", state.data.units);
    drawIndicators();
    drawReports();
    await loadTrend();
    document.body.dataset.ready = "true";
  } catch (error) {
    $("message").textContent = error.message || S.failed;
  }
}

$("period").value = state.period;
$("controls").addEventListener("submit", (event) => {
  event.preventDefault();
  window.location.assign(pageUrl(state.region, $("period").value.trim()));
});
$("print").addEventListener("click", () => window.print());
$("export-cases").addEventListener("click", exportCases);
$("trend-indicator").addEventListener("change", () => loadTrend().catch((error) => ($("message").textContent = error.message)));
window.addEventListener("resize", () => chart && chart.resize());
load();
