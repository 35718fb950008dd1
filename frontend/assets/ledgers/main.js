// The ledgers page: export a register, follow the job runner's progress, download the file.
import "../common/dates.css";
import "./style.css";
import { ApiError, request } from "../common/api.js";
import { fill } from "../common/text.js";
import { isoDateFields } from "../common/dates.js";
import { ACTIVE, csrf, exportItem } from "../common/exports.js";

const POLL_MS = 1500;

function byId(id) {
  return document.getElementById(id);
}

function option(value, label) {
  const node = document.createElement("option");
  node.value = value;
  node.textContent = label;
  return node;
}

/** What the form asks for: the register, the format and the case list's filters that are set. */
export function exportRequest(form) {
  const filters = {};
  const state = form.elements.state.value;
  if (state) filters.state = [state];
  for (const name of ["created_after", "created_before"]) {
    const value = form.elements[name].value;
    if (value) filters[name] = `${value}T00:00:00+08:00`;
  }
  if (form.elements.overdue.checked) filters.overdue = "true";
  return { register: form.elements.register.value, format: form.elements.format.value, filters };
}

function start() {
  const config = JSON.parse(byId("ledgers-config").textContent);
  const text = config.text;
  const language = document.documentElement.lang || "zh-hans";
  const form = byId("export-form");
  const list = byId("exports");
  const empty = byId("exports-empty");
  const message = byId("export-message");
  let timer = null;

  isoDateFields(form, { choose: text.choose_date });
  for (const register of config.registers) form.elements.register.appendChild(option(register.key, register.title));
  for (const state of config.states) form.elements.state.appendChild(option(state.value, state.label));
  config.formats.forEach((format, index) => {
    const label = document.createElement("label");
    const input = document.createElement("input");
    Object.assign(input, { type: "radio", name: "format", value: format.value, checked: index === 0 });
    label.append(input, ` ${format.label}`);
    byId("formats").appendChild(label);
  });

  async function refresh() {
    clearTimeout(timer);
    try {
      const { data } = await request(config.urls.exports, { language });
      list.replaceChildren(...data.map((exported) => exportItem(exported, text)));
      empty.hidden = data.length > 0;
      empty.textContent = text.none;
      if (data.some((e) => ACTIVE.has(e.state))) timer = setTimeout(refresh, POLL_MS);
    } catch (error) {
      message.textContent = error instanceof ApiError ? error.summary : String(error);
      timer = setTimeout(refresh, POLL_MS * 4);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.textContent = "";
    try {
      await request(config.urls.exports, { method: "POST", json: exportRequest(form), csrf: csrf(), language });
      message.textContent = text.asked;
      refresh();
    } catch (error) {
      message.textContent = fill(text.refused, { message: error instanceof ApiError ? error.summary : String(error) });
    }
  });

  refresh();
}

if (typeof document !== "undefined" && document.getElementById("ledgers-config")) start();
