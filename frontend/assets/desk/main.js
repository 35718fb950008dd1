// The intake desk (受理分流): one keyboard-first form for a call or a walk-in. The caller's history
// follows the phone number, similar open cases follow the place and the category, and Enter takes
// the call through /api/desk/calls/ (desk.services.take_call, which goes through intake).
import "./style.css";
import { ApiError, request } from "../common/api.js";
import { index, search } from "../common/categories.js";
import { fill } from "../common/text.js";
import { startOrders } from "./orders.js";

const DEBOUNCE_MS = 200;

function byId(id) {
  return document.getElementById(id);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** A new report id: the server stores a call once however often it is sent. */
export function newId() {
  if (globalThis.crypto && globalThis.crypto.randomUUID) return globalThis.crypto.randomUUID();
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A combobox over `input`: `find(query)` gives [{label, detail, value}], `choose(value)` takes one. */
function combobox(input, list, find, choose) {
  let items = [];
  let active = -1;
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  };
  const mark = (position) => {
    active = position;
    Array.from(list.children).forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
    if (active >= 0) input.setAttribute("aria-activedescendant", list.children[active].id);
  };
  const pick = (position) => {
    const item = items[position];
    if (!item) return;
    input.value = item.label;
    close();
    list.replaceChildren();
    choose(item.value);
  };
  const show = async () => {
    items = await find(input.value);
    list.replaceChildren();
    items.forEach((item, i) => {
      const li = element("li", "option", item.label);
      li.id = `${list.id}-${i}`;
      li.setAttribute("role", "option");
      if (item.detail) li.appendChild(element("span", "detail", ` ${item.detail}`));
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        pick(i);
      });
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    input.setAttribute("aria-expanded", String(items.length > 0));
    mark(items.length ? 0 : -1);
  };
  input.addEventListener("input", debounce(show, DEBOUNCE_MS));
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      mark((active + step + items.length) % items.length);
    } else if (event.key === "Enter" && active >= 0) {
      // Enter in an open list chooses; the next Enter takes the call.
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape") {
      close();
    }
  });
}

function caseItem(found) {
  const li = element("li", "case");
  li.dataset.state = found.state;
  li.appendChild(element("strong", "number", found.number));
  li.appendChild(element("span", "state", ` ${found.state_display} · ${found.category} · ${found.unit}`));
  li.appendChild(element("span", "when", ` ${found.created_at.slice(0, 10)}`));
  li.appendChild(element("p", "description", found.description));
  return li;
}

function start(map) {
  const config = JSON.parse(byId("desk-config").textContent);
  const text = config.text;
  const csrf = byId("desk-app").dataset.csrf;
  const language = document.documentElement.lang || "zh-hans";
  const form = byId("call-form");
  const message = byId("call-message");
  const state = { id: newId(), startedAt: new Date().toISOString(), place: null, category: null, byCode: new Map(), marker: null };

  const api = (url, options = {}) => request(url, { csrf, language, ...options });

  for (const source of config.sources) form.elements.source.appendChild(new Option(source.label, source.value));
  for (const unit of config.units) form.elements.unit.appendChild(new Option(unit.name, unit.code));
  config.outcomes.forEach((outcome, i) => {
    const label = element("label", "choice");
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "outcome";
    input.value = outcome.value;
    input.checked = i === 0;
    label.append(input, ` ${outcome.label}`);
    byId("outcomes").appendChild(label);
  });
  const showOutcome = () => {
    const chosen = form.elements.outcome.value;
    form.querySelectorAll("[data-for]").forEach((node) => {
      node.hidden = node.dataset.for !== chosen;
    });
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "outcome") showOutcome();
  });

  // --- where ------------------------------------------------------------------------------
  const setPlace = (place) => {
    state.place = place;
    byId("place-chosen").textContent = fill(text.chosen_place, {
      name: place.name,
      lon: place.lon.toFixed(5),
      lat: place.lat.toFixed(5),
    });
    if (map) {
      if (state.marker) state.marker.setLatLng([place.lat, place.lon]);
      else state.marker = globalThis.L.marker([place.lat, place.lon], { keyboard: false }).addTo(map);
      map.panTo([place.lat, place.lon]);
    }
    refreshSimilar();
  };
  combobox(
    byId("place-q"),
    byId("place-options"),
    async (query) => {
      if (!query.trim()) return [];
      const { data } = await api(`${config.urls.places}?q=${encodeURIComponent(query)}`);
      return data.map((place) => ({ label: place.name, detail: place.detail, value: place }));
    },
    setPlace,
  );
  if (map) {
    if (config.bounds) map.fitBounds(config.bounds);
    map.on("click", (event) => {
      const { lat, lng } = event.latlng;
      byId("place-q").value = "";
      setPlace({ name: text.map_point, lon: lng, lat });
    });
  }

  // --- category ---------------------------------------------------------------------------
  api(config.urls.categories).then(({ data }) => {
    state.byCode = index(data);
  });
  const setCategory = (node) => {
    state.category = node;
    byId("category-chosen").textContent = [...node.path, node.name].join(" › ");
    byId("parties").hidden = node.kind !== "dispute";
    refreshSimilar();
  };
  combobox(
    byId("category-q"),
    byId("category-options"),
    async (query) =>
      search(state.byCode, query, 12).nodes.map((node) => ({
        label: node.name,
        detail: node.path.join(" › "),
        value: node,
      })),
    setCategory,
  );

  // --- parties ----------------------------------------------------------------------------
  let partyCount = 0;
  byId("add-party").addEventListener("click", () => {
    partyCount += 1;
    const row = element("div", "party");
    row.dataset.party = String(partyCount);
    const field = (name, label, tag = "input") => {
      const id = `party-${partyCount}-${name}`;
      const wrap = element("div", "field");
      const labelNode = element("label", "", label);
      labelNode.htmlFor = id;
      const input = document.createElement(tag);
      input.id = id;
      input.name = `party-${name}`;
      wrap.append(labelNode, input);
      return [wrap, input];
    };
    const [nameField, nameInput] = field("name", fill(text.party, { n: partyCount }));
    const [roleField, roleSelect] = field("role", "", "select");
    roleField.querySelector("label").textContent = "·";
    roleField.querySelector("label").className = "visually-hidden";
    for (const role of config.roles) roleSelect.appendChild(new Option(role.label, role.value));
    const [phoneField] = field("phone", form.elements.contact_phone.labels[0].textContent);
    const remove = element("button", "quiet", text.remove);
    remove.type = "button";
    remove.addEventListener("click", () => row.remove());
    row.append(nameField, roleField, phoneField, remove);
    byId("party-rows").appendChild(row);
    nameInput.focus();
  });
  const parties = () =>
    Array.from(byId("party-rows").children)
      .map((row) => ({
        name: row.querySelector("[name=party-name]").value.trim(),
        role: row.querySelector("[name=party-role]").value,
        phone: row.querySelector("[name=party-phone]").value.trim(),
      }))
      .filter((party) => party.name);

  // --- history and similar cases ---------------------------------------------------------
  const refreshHistory = debounce(async () => {
    const phone = form.elements.contact_phone.value.replace(/\s+/g, "");
    const list = byId("history");
    const summary = byId("history-summary");
    if (phone.length < 5) return;
    const { data } = await api(`${config.urls.callers}?phone=${encodeURIComponent(phone)}`);
    list.replaceChildren(...data.cases.map((found) => caseItem(found)));
    summary.textContent = data.repeat ? fill(text.history_repeat, { count: data.cases.length, open: data.open }) : text.history_none;
    summary.classList.toggle("repeat", data.repeat);
  }, DEBOUNCE_MS);
  form.elements.contact_phone.addEventListener("input", refreshHistory);

  async function refreshSimilar() {
    if (!state.place || !state.category) return;
    const query = new URLSearchParams({ category: state.category.code, lon: state.place.lon, lat: state.place.lat });
    const list = byId("similar");
    const { data } = await api(`${config.urls.similar}?${query}`);
    list.replaceChildren(
      ...data.map((found) => {
        const li = caseItem(found);
        const attach = element("button", "attach", fill(text.attach, { number: found.number }));
        attach.type = "button";
        attach.addEventListener("click", () => submit({ outcome: "attached", into: found.id }));
        li.appendChild(attach);
        return li;
      }),
    );
    byId("similar-summary").textContent = data.length ? "" : text.similar_none;
  }

  // --- taking the call --------------------------------------------------------------------
  const fields = () => {
    const body = {
      id: state.id,
      // When the call began: a resend of the same call is then the same report.
      occurred_at: state.startedAt,
      source: form.elements.source.value,
      contact_phone: form.elements.contact_phone.value.replace(/\s+/g, ""),
      contact_name: form.elements.contact_name.value.trim(),
      caller_id_number: form.elements.caller_id_number.value.trim(),
      on_behalf_of: form.elements.on_behalf_of.value.trim(),
      description: form.elements.description.value.trim(),
      category: state.category ? state.category.code : "",
      outcome: form.elements.outcome.value,
      parties: state.category && state.category.kind === "dispute" ? parties() : [],
    };
    if (state.place) Object.assign(body, { lon: state.place.lon, lat: state.place.lat });
    if (body.outcome === "settled") body.result = form.elements.result.value.trim();
    if (body.outcome === "assigned") Object.assign(body, { unit: form.elements.unit.value, reason: form.elements.reason.value.trim() });
    return body;
  };

  const clearErrors = () => {
    form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
    form.querySelectorAll(".field-error").forEach((node) => node.remove());
  };

  const showErrors = (fieldErrors) => {
    const where = { lon: "place-q", lat: "place-q", category: "category-q", into: "similar" };
    let first = null;
    Object.entries(fieldErrors).forEach(([name, messages]) => {
      const target = byId(where[name] || name);
      if (!target || target.getAttribute("aria-invalid")) return;
      target.setAttribute("aria-invalid", "true");
      const note = element("p", "field-error", messages.join(" "));
      target.insertAdjacentElement("afterend", note);
      first = first || target;
    });
    if (first) first.focus();
  };

  async function submit(extra = {}) {
    clearErrors();
    const body = { ...fields(), ...extra };
    if (!state.place) return showErrors({ lon: [text.choose_place] });
    if (!state.category) return showErrors({ category: [text.choose_category] });
    byId("take-call").disabled = true;
    try {
      const { data } = await api(config.urls.calls, { method: "POST", json: body });
      const words = data.outcome === "attached" ? text.attached : text.taken;
      message.textContent = fill(words, {
        number: data.case.number,
        state: data.case.state_display,
        unit: data.case.unit,
        code: data.verification_code,
      });
      if (data.on_behalf_of) message.textContent += ` ${fill(text.on_behalf, { name: data.on_behalf_of })}`;
      message.dataset.kind = "done";
      form.reset();
      showOutcome();
      state.id = newId();
      state.startedAt = new Date().toISOString();
      state.place = state.category = null;
      byId("place-chosen").textContent = byId("category-chosen").textContent = "";
      byId("party-rows").replaceChildren();
      byId("parties").hidden = true;
      byId("similar").replaceChildren();
      form.elements.contact_phone.focus();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      message.textContent = fill(text.failed, { message: error.summary });
      message.dataset.kind = "error";
      showErrors(error.fields);
    } finally {
      byId("take-call").disabled = false;
    }
    return null;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  startMatters(config, api);
  startOrders(config, api);
  form.addEventListener("keydown", (event) => {
    // Enter takes the call from any single-line field (a textarea keeps its new lines; Ctrl+Enter there).
    const multiline = event.target.tagName === "TEXTAREA";
    if (event.key === "Enter" && (!multiline || event.ctrlKey) && !event.defaultPrevented && event.target.type !== "button") {
      event.preventDefault();
      submit();
    }
  });
}

/** The service-matter form (办事): an item of the catalogue, the materials received, the resident. */
function startMatters(config, api) {
  const text = config.text;
  const form = byId("matter-form");
  const list = byId("matter-material-list");
  const message = byId("matter-message");
  const state = { id: newId(), startedAt: new Date().toISOString(), place: null };
  // Not form.elements.item: a form's elements collection has an item() method of that name.
  const itemSelect = byId("matter-item");
  for (const item of config.items) itemSelect.appendChild(new Option(item.name, item.id));
  for (const source of config.sources.filter((s) => s.value !== "hotline")) {
    form.elements.source.appendChild(new Option(source.label, source.value));
  }
  const chosen = () => config.items.find((item) => String(item.id) === itemSelect.value);
  const showItem = () => {
    const item = chosen();
    list.replaceChildren();
    if (!item) return;
    byId("matter-facts").textContent = fill(text.matter_facts, {
      unit: item.deciding_unit,
      handling: item.handling,
      days: item.days,
    });
    item.materials.forEach((material) => {
      const label = element("label", "choice");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.name = "received";
      box.value = material;
      label.append(box, ` ${material}`);
      list.appendChild(label);
    });
  };
  itemSelect.addEventListener("change", showItem);
  showItem();
  combobox(
    byId("matter-place-q"),
    byId("matter-place-options"),
    async (query) => {
      if (!query.trim()) return [];
      const { data } = await api(`${config.urls.places}?q=${encodeURIComponent(query)}`);
      return data.map((place) => ({ label: place.name, detail: place.detail, value: place }));
    },
    (place) => {
      state.place = place;
      byId("matter-place-chosen").textContent = fill(text.chosen_place, {
        name: place.name,
        lon: place.lon.toFixed(5),
        lat: place.lat.toFixed(5),
      });
    },
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelectorAll(".field-error").forEach((node) => node.remove());
    form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
    byId("matter-notice").hidden = true;
    const body = {
      id: state.id,
      occurred_at: state.startedAt,
      source: form.elements.source.value,
      item: Number(itemSelect.value),
      resident_name: form.elements.resident_name.value.trim(),
      contact_phone: form.elements.contact_phone.value.replace(/\s+/g, ""),
      resident_id_number: form.elements.resident_id_number.value.trim(),
      on_behalf_of: form.elements.on_behalf_of.value.trim(),
      received: Array.from(form.querySelectorAll("input[name=received]:checked"), (box) => box.value),
    };
    if (state.place) Object.assign(body, { lon: state.place.lon, lat: state.place.lat });
    const where = { lon: "matter-place-q", lat: "matter-place-q", resident_name: "matter-name", contact_phone: "matter-phone", resident_id_number: "matter-id-number", item: "matter-item", received: "matter-materials" };
    if (!state.place) {
      message.textContent = text.choose_place;
      message.dataset.kind = "error";
      byId("matter-place-q").setAttribute("aria-invalid", "true");
      byId("matter-place-q").focus();
      return;
    }
    try {
      const { data } = await api(config.urls.matters, { method: "POST", json: body });
      message.textContent = fill(text.matter_opened, {
        number: data.case.number,
        state: data.case.state_display,
        code: data.verification_code,
      });
      message.dataset.kind = "done";
      if (data.notice) {
        message.textContent += ` ${fill(text.matter_missing, { items: data.notice.items.join("、") })}`;
        byId("notice-html").href = data.notice.html;
        byId("notice-pdf").href = data.notice.pdf;
        byId("matter-notice").hidden = false;
      }
      state.id = newId();
      state.startedAt = new Date().toISOString();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      message.textContent = fill(text.failed, { message: error.summary });
      message.dataset.kind = "error";
      Object.entries(error.fields).forEach(([name, messages]) => {
        const target = byId(where[name] || "");
        if (!target) return;
        target.setAttribute("aria-invalid", "true");
        target.insertAdjacentElement("afterend", element("p", "field-error", messages.join(" ")));
      });
    }
  });
}

let started = false;
window.addEventListener("map:init", (event) => {
  started = true;
  start(event.detail.map);
});
document.addEventListener("DOMContentLoaded", () => {
  if (!started && byId("desk-config") && !byId("desk-map")) start(null);
});
