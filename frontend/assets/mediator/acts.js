/* One form per act, built from the act's spec (frontend/mediator.py derives it from the API's input
 * serializer). A form posts with the case version it was built for; the server's errors go back in
 * place - each field's under the field, the general message on top - and nothing else changes. */
import { ApiError } from "../common/api.js";
import { api, withId } from "./api.js";
import { fmt, h, uniqueId } from "./dom.js";
import { isoDateField, isoValue } from "../common/dates.js";
import { isoToLocal, localToIso } from "./format.js";

const NOT_SENT = Symbol("not sent");

export function actForm(spec, { detail, config, strings, target, extraTitle, onDone, onInput }) {
  const formId = uniqueId(`act-${spec.rule}`);
  const general = h("div", { class: "form-error", role: "alert", tabindex: "-1", hidden: true });
  const widgets = spec.fields.map((field) => widget(field, { formId, detail, config, strings }));
  const submit = h("button", { type: "submit", class: "primary", text: spec.title });
  const form = h(
    "form",
    { class: `act-form act-${spec.rule}`, novalidate: true, dataset: { act: spec.rule }, oninput: onInput, onchange: onInput },
    spec.hint ? h("p", { class: "hint", text: spec.hint }) : null,
    extraTitle ? h("p", { class: "hint", text: extraTitle }) : null,
    general,
    widgets.map((w) => w.element),
    h("div", { class: "form-actions" }, submit),
  );

  function clearErrors() {
    general.hidden = true;
    general.replaceChildren();
    widgets.forEach((w) => w.setError([]));
  }

  function showErrors(error) {
    const leftover = [];
    let placed = 0;
    for (const [name, messages] of Object.entries(error.fields || {})) {
      const base = name.replace(/[[.].*$/, "");
      const w = widgets.find((candidate) => candidate.name === base);
      if (w) {
        w.setError(messages);
        placed += 1;
      } else leftover.push(...messages);
    }
    const lines = [];
    if (error.message && (!placed || leftover.length || error.code !== "invalid")) lines.push(error.message);
    else if (placed) lines.push(strings.error_fields);
    lines.push(...leftover);
    general.replaceChildren(...lines.map((line) => h("p", { text: line })));
    if (error.code === "stale") {
      general.append(h("button", { type: "button", class: "quiet", text: strings.reload_case, onclick: () => onDone(null, { reload: true }) }));
    }
    general.hidden = false;
    (form.querySelector("[aria-invalid=true]") || general).focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const body = spec.rule === "answer_task" ? {} : { version: detail.version };
    const localErrors = {};
    for (const w of widgets) {
      try {
        const value = await w.value();
        if (value !== NOT_SENT) body[w.name] = value;
      } catch (problem) {
        localErrors[w.name] = [problem instanceof Error ? problem.message : String(problem)];
      }
    }
    if (Object.keys(localErrors).length) {
      showErrors({ code: "invalid", message: strings.error_fields, fields: localErrors });
      return;
    }
    submit.disabled = true;
    submit.textContent = strings.saving;
    form.setAttribute("aria-busy", "true");
    try {
      const response = await api(withId(spec.url, target), { method: "POST", body });
      onDone(response, {});
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showErrors(error);
    } finally {
      submit.disabled = false;
      submit.textContent = spec.title;
      form.removeAttribute("aria-busy");
    }
  });
  form.dataset.formId = formId;
  return form;
}

function widget(field, { formId, detail, config, strings }) {
  const id = `${formId}-${field.name}`;
  const errorId = `${id}-error`;
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const labelText = [field.label, field.required ? h("span", { class: "req", text: ` (${strings.required})` }) : null];
  let control; // what carries aria-invalid
  let element;
  let read;

  const describe = (el) => {
    el.setAttribute("aria-describedby", errorId);
    if (field.required) el.setAttribute("aria-required", "true");
    return el;
  };

  switch (field.kind) {
    case "checkbox": {
      control = describe(h("input", { type: "checkbox", id, name: field.name }));
      element = h("div", { class: "field check" }, control, h("label", { for: id }, labelText), error);
      read = () => control.checked;
      break;
    }
    case "yesno": {
      const radios = field.choices.map(([value, label]) => {
        const radioId = `${id}-${value}`;
        const radio = h("input", { type: "radio", id: radioId, name: `${formId}-${field.name}`, value });
        return h("label", { for: radioId, class: "choice" }, radio, ` ${label}`);
      });
      control = describe(h("fieldset", { class: "field choices", id }, h("legend", {}, labelText), radios, error));
      element = control;
      read = () => {
        const chosen = control.querySelector("input:checked");
        return chosen ? chosen.value === "true" : NOT_SENT;
      };
      break;
    }
    case "select": {
      control = describe(
        h(
          "select",
          { id, name: field.name },
          h("option", { value: "", text: field.required ? strings.choose : strings.empty_value }),
          field.choices.map(([value, label]) => h("option", { value, text: label })),
        ),
      );
      element = h("div", { class: "field" }, h("label", { for: id }, labelText), control, error);
      read = () => control.value || NOT_SENT;
      break;
    }
    case "unit":
    case "units": {
      const units = servingUnits(config.units, detail);
      if (field.kind === "unit") {
        control = describe(
          h(
            "select",
            { id, name: field.name },
            h("option", { value: "", text: units.length ? strings.choose : strings.no_units }),
            units.map((unit) => h("option", { value: unit.code, text: unit.name })),
          ),
        );
        element = h("div", { class: "field" }, h("label", { for: id }, labelText), control, error);
        read = () => control.value || NOT_SENT;
      } else {
        const boxes = units.map((unit) => {
          const boxId = `${id}-${unit.code}`;
          return h("label", { for: boxId, class: "choice" }, h("input", { type: "checkbox", id: boxId, value: unit.code }), ` ${unit.name}`);
        });
        control = describe(h("fieldset", { class: "field choices scroll", id }, h("legend", {}, labelText), boxes, error));
        element = control;
        read = () => Array.from(control.querySelectorAll("input:checked"), (box) => box.value);
      }
      break;
    }
    case "party": {
      // One party of the case; choosing it fills the form with what is on record, to correct or complete.
      const roles = Object.fromEntries(config.party_roles);
      const parties = detail.parties || [];
      control = describe(
        h(
          "select",
          { id, name: field.name },
          h("option", { value: "", text: strings.choose }),
          parties.map((party) => h("option", { value: String(party.id), text: `${party.name} (${roles[party.role] || party.role})` })),
        ),
      );
      control.addEventListener("change", () => {
        const party = parties.find((one) => String(one.id) === control.value);
        const form = control.form;
        if (!party || !form) return;
        ["name", "role", "phone", "address", "id_number"].forEach((key) => {
          const input = form.elements.namedItem(key);
          const value = party[key];
          if (input && value !== undefined && value !== null && !String(value).includes("*")) input.value = value;
        });
      });
      element = h("div", { class: "field" }, h("label", { for: id }, labelText), control, error);
      read = () => (control.value ? Number(control.value) : NOT_SENT);
      break;
    }
    case "parties": {
      const signed = new Set((detail.agreement && detail.agreement.signed_parties) || []);
      const roles = Object.fromEntries(config.party_roles);
      const boxes = (detail.parties || []).map((party) => {
        const boxId = `${id}-${party.id}`;
        const done = signed.has(party.id);
        return h(
          "label",
          { for: boxId, class: "choice" },
          h("input", { type: "checkbox", id: boxId, value: String(party.id), checked: done, disabled: done }),
          ` ${party.name} (${roles[party.role] || party.role})${done ? ` · ${strings.party_signed}` : ""}`,
        );
      });
      control = describe(h("fieldset", { class: "field choices", id }, h("legend", {}, labelText), boxes, error));
      element = control;
      read = () => Array.from(control.querySelectorAll("input:checked:not(:disabled)"), (box) => Number(box.value));
      break;
    }
    case "lines":
    case "textarea":
    case "text":
    case "number":
    case "date":
    case "datetime":
    case "case": {
      const attrs = { id, name: field.name };
      let tag = "input";
      if (field.kind === "textarea" || field.kind === "lines") {
        tag = "textarea";
        attrs.rows = field.kind === "lines" ? 3 : 2;
      } else if (field.kind === "number") {
        Object.assign(attrs, { type: "number", inputmode: "numeric", min: field.min, max: field.max, step: 1 });
      } else if (field.kind === "date") attrs.type = "date";
      else if (field.kind === "datetime") {
        attrs.type = "datetime-local";
        if (field.required) attrs.value = isoToLocal();
      } else attrs.type = "text";
      if (field.max_length) attrs.maxlength = field.max_length;
      control = describe(h(tag, attrs));
      const dated = field.kind === "date" || field.kind === "datetime";
      const shown = dated ? isoDateField(control, { choose: strings.choose_date }) : control;
      element = h("div", { class: "field" }, h("label", { for: id }, labelText), shown, error);
      read = async () => {
        const raw = dated ? isoValue(control) : control.value.trim();
        if (field.kind === "lines") return raw.split(/\n+/).map((line) => line.trim()).filter(Boolean);
        if (field.kind === "case") return raw ? caseIdOf(raw, config, strings) : NOT_SENT;
        if (!raw) return field.kind === "textarea" || field.kind === "text" ? (field.required ? "" : NOT_SENT) : NOT_SENT;
        if (field.kind === "number") return Number(raw);
        if (field.kind === "datetime") return localToIso(raw);
        return raw;
      };
      break;
    }
    default:
      throw new Error(`no widget for ${field.kind}`);
  }

  return {
    name: field.name,
    element,
    value: () => read(),
    setError(messages) {
      error.replaceChildren(...messages.map((message) => h("span", { text: message })));
      error.hidden = !messages.length;
      if (messages.length) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
      if (control.tagName === "FIELDSET") {
        if (messages.length) control.setAttribute("tabindex", "-1");
        else control.removeAttribute("tabindex");
      }
    },
  };
}

/** Units that serve the case's place (their region's code prefix starts its area code), not the current one. */
export function servingUnits(units, detail) {
  const current = detail.current_unit && detail.current_unit.code;
  return units.filter((unit) => detail.area_code.startsWith(unit.prefix) && unit.code !== current);
}

async function caseIdOf(number, config, strings) {
  const { data } = await api(`${config.urls.cases}?q=${encodeURIComponent(number)}&page_size=5`);
  const found = (data.results || []).find((row) => row.number === number);
  if (!found) throw fmt(strings.case_not_found, { number });
  return found.id;
}
