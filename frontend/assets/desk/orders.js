// 12345 work orders (工单导入): upload the platform's export, see every row checked, map the
// columns once if the file names them differently, import the good rows and download the results.
// Everything is decided by the server (desk.hotline); this page only shows it.
import { ApiError } from "../common/api.js";
import { fill } from "../common/text.js";

function byId(id) {
  return document.getElementById(id);
}

function cell(tag, text, className) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

/** The header of a file the server could not map, read here so that the clerk can map it: the row
 * with the most cells among the first few (a title row may stand above it), UTF-8 or GBK. */
async function readHeaders(file) {
  const bytes = new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer());
  let textContent;
  try {
    textContent = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    textContent = new TextDecoder("gbk").decode(bytes);
  }
  const lines = textContent.replace(/^\ufeff/, "").split(/\r?\n/).slice(0, 10);
  const rows = lines.map((line) => line.split(",").map((name) => name.trim().replace(/^"|"$/g, "")));
  return rows.reduce((best, row) => (row.filter(Boolean).length > best.filter(Boolean).length ? row : best), []);
}

export function startOrders(config, api) {
  const text = config.text;
  const form = byId("orders-form");
  const fileInput = byId("orders-file");
  const message = byId("orders-message");
  const table = byId("orders-table");
  const importButton = byId("orders-import");
  const columnList = byId("orders-column-list");
  let columns = null; // the clerk's mapping, once they change one

  const say = (words, kind) => {
    message.textContent = words;
    message.dataset.kind = kind;
  };

  const showColumns = (outcome) => {
    columnList.replaceChildren();
    outcome.fields.forEach((spec) => {
      const id = `orders-column-${spec.key}`;
      const wrap = cell("div", "", "field");
      const label = cell("label", spec.required ? `${spec.label} *` : spec.label);
      label.htmlFor = id;
      const select = document.createElement("select");
      select.id = id;
      select.dataset.key = spec.key;
      select.appendChild(new Option("—", ""));
      outcome.headers.filter((h) => h).forEach((header) => select.appendChild(new Option(header, header)));
      select.value = outcome.headers.includes(outcome.columns[spec.key]) ? outcome.columns[spec.key] : "";
      select.addEventListener("change", () => {
        columns = {};
        columnList.querySelectorAll("select").forEach((node) => {
          columns[node.dataset.key] = node.value;
        });
        send(config.urls.orders_preview);
      });
      wrap.append(label, select);
      columnList.appendChild(wrap);
    });
    byId("orders-columns").hidden = false;
  };

  const showRows = (outcome) => {
    const body = table.tBodies[0];
    body.replaceChildren();
    outcome.rows.forEach((row) => {
      const tr = document.createElement("tr");
      tr.dataset.status = row.status;
      const notes = [...Object.values(row.errors).flat(), ...row.warnings].join(" ");
      tr.append(
        cell("td", String(row.line)),
        cell("td", row.number),
        cell("td", row.case ? `${row.status_display} · ${row.case}` : row.status_display, "status"),
        cell("td", row.category),
        cell("td", row.place),
        cell("td", notes, row.status === "invalid" ? "notes refused" : "notes"),
      );
      body.appendChild(tr);
    });
    table.hidden = false;
  };

  async function send(url) {
    const file = fileInput.files[0];
    if (!file) {
      say(text.orders_choose_file, "error");
      fileInput.setAttribute("aria-invalid", "true");
      fileInput.focus();
      return;
    }
    fileInput.removeAttribute("aria-invalid");
    const data = new FormData();
    data.append("file", file);
    if (columns) data.append("columns", JSON.stringify(columns));
    const importing = url === config.urls.orders_import;
    importButton.disabled = true;
    say(importing ? text.orders_importing : text.orders_checking, "busy");
    try {
      const { data: outcome } = await api(url, { method: "POST", form: data });
      showColumns(outcome);
      showRows(outcome);
      const template = importing ? text.orders_imported : text.orders_checked;
      say(fill(template, outcome.counts), "done");
      // Importing again is safe (an order is taken in once): the button stays, and says so if pressed.
      importButton.disabled = false;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      say(fill(text.orders_failed, { message: error.summary }), "error");
      if (error.fields.columns) {
        const headers = await readHeaders(file);
        showColumns({ fields: config.order_fields, headers, columns: columns || config.order_columns });
        byId("orders-columns").open = true;
      }
    }
  }

  fileInput.addEventListener("change", () => {
    table.hidden = true;
    importButton.disabled = true;
    if (fileInput.files[0]) send(config.urls.orders_preview);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(config.urls.orders_preview);
  });
  importButton.addEventListener("click", () => send(config.urls.orders_import));
}
