/* The case panel: facts, parties, reports, photos, mediation, timeline, a ticking deadline, and the
 * acts the user may take now (the detail's `allowed_actions`), each with its own form. */
import { ApiError } from "../common/api.js";
import { api, withId } from "./api.js";
import { actForm } from "./acts.js";
import { append, fmt, h } from "./dom.js";
import { countdown, day, shortLabel, when } from "./format.js";
import { PAUSED, TICKING } from "./states.js";
import { ordersSection, tickOrders } from "./orders.js";

// The steps of the closed loop and of the mediation; the detours come after them, plainer.

export class CasePanel {
  constructor(root, { config, strings, onClose, onActDone, onReload, onOpen }) {
    this.root = root;
    this.config = config;
    this.strings = strings;
    this.onClose = onClose;
    this.onActDone = onActDone;
    this.onReload = onReload;
    this.onOpen = onOpen;
    this.detail = null;
    this.dirty = false;
    this.openAct = null;
    this.labels = {
      state: Object.fromEntries(config.states),
      grade: Object.fromEntries(config.grades),
      kind: Object.fromEntries(config.kinds),
      handling: Object.fromEntries(config.handlings),
      source: Object.fromEntries(config.mediation_sources),
      role: Object.fromEntries(config.party_roles),
      satisfaction: Object.fromEntries(config.satisfactions),
      confirmation: Object.fromEntries(config.confirmations),
      purpose: Object.fromEntries(config.photo_purposes),
      request: Object.fromEntries(config.request_kinds),
    };
    this.unitNames = new Map(config.units.map((unit) => [unit.code, unit.name]));
    this.specs = Object.fromEntries(config.acts.map((spec) => [spec.rule, spec]));
    this.order = config.acts.map((spec) => spec.rule);
    setInterval(() => this.tick(), 1000);
    root.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      const open = this.openAct && root.querySelector(`.act-buttons button[data-act="${this.openAct}"]`);
      if (open) open.click(); // closes the form, keeps the case
      else this.onClose();
      if (open) open.focus();
    });
  }

  get caseId() {
    return this.detail ? this.detail.id : null;
  }

  hide() {
    this.detail = null;
    this.dirty = false;
    this.root.hidden = true;
    this.root.replaceChildren();
    document.body.classList.remove("panel-open");
  }

  loading(id) {
    if (this.detail && this.detail.id === id) return;
    this.detail = null;
    this.root.hidden = false;
    document.body.classList.add("panel-open");
    this.root.replaceChildren(h("p", { class: "panel-loading", text: this.strings.loading }));
  }

  failed(message) {
    this.root.hidden = false;
    this.root.replaceChildren(
      this.closeButton(),
      h("p", { class: "form-error", role: "alert", text: message }),
    );
  }

  /** Show `detail`; `message` is a status line on top (e.g. what was just done). */
  render(detail, { message = "", keepScroll = false } = {}) {
    // A refresh keeps the form that was open; a new case or a finished act starts with none.
    if (!keepScroll || !this.detail || this.detail.id !== detail.id) this.openAct = null;
    const scroll = this.root.scrollTop;
    this.detail = detail;
    this.dirty = false;
    const s = this.strings;
    this.root.hidden = false;
    document.body.classList.add("panel-open");
    this.root.replaceChildren();
    append(
      this.root,
      [h(
        "header",
        { class: "panel-head" },
        h("h2", { id: "panel-title", text: fmt(s.case_title, { number: detail.number }) }),
        this.closeButton(),
        h(
          "p",
          { class: "badges" },
          h("span", { class: `badge state state-${detail.state}`, dataset: { state: detail.state } }, this.labels.state[detail.state] || detail.state_display),
          h("span", { class: `badge grade grade-${detail.grade}` }, shortLabel(this.labels.grade[detail.grade] || detail.grade)),
          h("span", { class: "badge kind" }, this.labels.kind[detail.kind] || detail.kind),
        ),
        h("p", { class: "category", text: detail.category ? detail.category.name : "" }),
        this.deadline(detail),
      ),
      h("div", { class: "panel-message", role: "status", "aria-live": "polite" }, message ? h("p", { class: "ok", text: message }) : null),
      this.notice = h("div", { class: "panel-notice", role: "status", hidden: true }),
      this.actsSection(detail),
      this.duplicatesSection(detail),
      this.factsSection(detail),
      this.partiesSection(detail),
      this.mediationSection(detail),
      this.reportsSection(detail),
      this.photosSection(detail),
      this.requestsSection(detail),
      this.tasksSection(detail),
      this.config.supervision ? ordersSection(this, detail) : null,
      this.timelineSection(detail)],
    );
    this.root.scrollTop = keepScroll ? scroll : 0;
    this.tick();
    if (message && !keepScroll) this.root.focus({ preventScroll: true }); // the form that had the focus is gone
  }

  /** Someone else changed the open case while a form here holds typing: say so, keep the typing. */
  changedElsewhere() {
    if (!this.notice) return;
    this.notice.hidden = false;
    this.notice.replaceChildren(
      h("p", { text: this.strings.changed_elsewhere }),
      h("button", { type: "button", class: "quiet", text: this.strings.reload_case, onclick: () => this.onReload(this.caseId) }),
    );
  }

  closeButton() {
    return h("button", { type: "button", class: "close", "aria-label": this.strings.close_panel, title: this.strings.close_panel, onclick: () => this.onClose() }, "×");
  }

  // --- the deadline --------------------------------------------------------------------

  deadline(detail) {
    return h("p", { class: "countdown", dataset: { due: detail.due_at || "", state: detail.state, provisional: detail.due_provisional ? "1" : "" } });
  }

  tick() {
    const el = this.root.querySelector(".countdown");
    if (!el || !this.detail) return;
    const s = this.strings;
    tickOrders(this.root, s);
    const { due, state, provisional } = el.dataset;
    el.classList.remove("late");
    if (PAUSED.has(state)) el.textContent = s.paused;
    else if (!due || !TICKING.has(state)) el.textContent = s.no_deadline;
    else {
      const left = countdown(due, s, Date.now(), true);
      el.replaceChildren(h("span", { class: "label", text: `${s.deadline} ` }), h("time", { datetime: due, text: left.text }), h("span", { class: "due", text: ` · ${fmt(s.due, { when: when(due) })}` }));
      // Counted Monday–Friday into a year whose holidays are not entered yet.
      if (provisional) el.append(h("span", { class: "provisional", title: s.provisional_hint, text: ` · ${s.provisional}` }));
      el.classList.toggle("late", left.overdue);
    }
  }

  // --- acts ----------------------------------------------------------------------------

  /** The acts on offer: allowed by the workflow now, and not refused anyway by the service's own checks. */
  offered(detail) {
    const allowed = new Set(detail.allowed_actions || []);
    const agreement = detail.agreement;
    const mediating = Boolean(detail.mediation_source);
    const pointless = {
      register_mediation: mediating || detail.kind !== "dispute",
      record_session: !mediating,
      extend_mediation: !mediating,
      record_agreement: !mediating || Boolean(agreement) || !(detail.sessions || []).length,
      sign_agreement: !agreement || agreement.effective,
      record_confirmation: !agreement || !agreement.effective,
      decide_request: !(detail.pending_requests || []).length,
    };
    return this.order.filter((rule) => allowed.has(rule) && !pointless[rule]);
  }

  actsSection(detail) {
    const s = this.strings;
    const items = [];
    for (const rule of this.offered(detail)) {
      const spec = this.specs[rule];
      if (rule === "decide_request") {
        for (const request of detail.pending_requests || []) {
          const kind = this.labels.request[request.kind] || request.kind;
          const line = fmt(s.request_line, { kind, who: request.requested_by, reason: request.reason });
          items.push({ spec, target: request.id, title: `${spec.title}: ${kind}`, extra: line });
        }
      } else {
        items.push({ spec, target: detail.id, title: spec.title, extra: "" });
      }
    }
    for (const task of this.myOpenTasks(detail)) {
      const spec = this.config.answer_task;
      items.push({ spec, target: task.id, title: `${spec.title}: ${task.unit.name}`, extra: task.instructions });
    }
    const section = h("section", { class: "acts", "aria-labelledby": "acts-title" }, h("h3", { id: "acts-title", text: s.actions }));
    if (!items.length) {
      section.append(h("p", { class: "muted", text: s.no_actions }));
      return section;
    }
    const keys = new Set(items.map((item) => `${item.spec.rule}-${item.target}`));
    if (!keys.has(this.openAct)) this.openAct = null;
    const buttons = h("div", { class: "act-buttons" });
    const forms = h("div", { class: "act-forms" });
    const show = (key) => {
      this.openAct = key;
      buttons.querySelectorAll("button").forEach((button) => {
        button.setAttribute("aria-expanded", String(button.dataset.act === key));
      });
      forms.querySelectorAll(".act-form-wrap").forEach((wrap) => {
        wrap.hidden = wrap.dataset.act !== key;
      });
      const wrap = key && forms.querySelector(`.act-form-wrap[data-act="${key}"]`);
      const first = wrap && wrap.querySelector("input:not([type=hidden]):not(:disabled), select, textarea, button[type=submit]");
      if (first) first.focus({ preventScroll: true });
      if (wrap) wrap.scrollIntoView({ block: "nearest" });
    };
    for (const item of items) {
      const key = `${item.spec.rule}-${item.target}`;
      const formId = `act-panel-${key}`;
      buttons.append(
        h("button", {
          type: "button",
          class: item.spec.main ? "act-button main" : "act-button",
          dataset: { act: key },
          "aria-expanded": String(this.openAct === key),
          "aria-controls": formId,
          text: item.title,
          onclick: () => show(this.openAct === key ? null : key),
        }),
      );
      forms.append(
        h(
          "div",
          { class: "act-form-wrap", id: formId, dataset: { act: key }, hidden: this.openAct !== key, role: "group", "aria-label": item.title },
          h("h4", { text: item.title }),
          this.actForm(item),
          h("button", { type: "button", class: "quiet cancel", text: s.cancel, onclick: () => show(null) }),
        ),
      );
    }
    section.append(buttons, forms);
    return section;
  }

  actForm({ spec, target, extra }) {
    return actForm(spec, {
      detail: this.detail,
      config: this.config,
      strings: this.strings,
      target,
      extraTitle: extra,
      onInput: () => {
        this.dirty = true;
      },
      onDone: (response, { reload }) => (reload ? this.onReload(this.caseId) : this.onActDone(spec, response)),
    });
  }

  myOpenTasks(detail) {
    const mine = new Set(this.config.user.units);
    return (detail.joint_tasks || []).filter((task) => !task.answered_at && mine.has(task.unit.code));
  }

  // --- duplicates ----------------------------------------------------------------------

  /** Open cases that may be this one again (the server's disputes.duplicates), each one click from
   * the `merge` act when the user may take it; never imposed. */
  duplicatesSection(d) {
    const s = this.strings;
    const rows = d.duplicates || [];
    if (!rows.length) return null;
    const merge = (d.allowed_actions || []).includes("merge") ? this.specs.merge : null;
    const status = h("div", { class: "form-error", role: "alert", tabindex: "-1", hidden: true });
    const item = (row) => {
      const reasons = row.reasons.map((reason) => this.config.duplicate_reasons[reason] || reason);
      if (row.distance_m !== null && row.distance_m !== undefined) reasons.push(fmt(s.duplicate_away, { metres: Math.round(row.distance_m) }));
      return h(
        "li",
        { dataset: { case: row.id } },
        h("p", {}, h("span", { class: "strong", text: row.number }), ` · ${row.category} · ${this.labels.state[row.state] || row.state} · ${when(row.created_at)}`),
        h("p", { class: "muted small", text: reasons.join(" · ") }),
        h(
          "p",
          { class: "form-actions" },
          this.onOpen ? h("button", { type: "button", class: "quiet", text: fmt(s.open_case, { number: row.number }), onclick: () => this.onOpen(row.id) }) : null,
          merge ? h("button", { type: "button", class: "merge", text: fmt(s.merge_into, { number: row.number }), onclick: (event) => this.mergeInto(merge, row, event.currentTarget, status) }) : null,
        ),
      );
    };
    return section("duplicates", s.duplicates, h("p", { class: "hint", text: s.duplicates_hint }), status, h("ul", { class: "plain duplicates" }, rows.map(item)));
  }

  async mergeInto(spec, row, button, status) {
    button.disabled = true;
    status.hidden = true;
    try {
      const response = await api(withId(spec.url, this.caseId), { method: "POST", body: { version: this.detail.version, into: row.id } });
      this.onActDone(spec, response);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const lines = [error.message, ...Object.values(error.fields || {}).flat()];
      status.replaceChildren(...lines.map((line) => h("p", { text: line })));
      status.hidden = false;
      button.disabled = false;
      status.focus?.();
    }
  }

  // --- facts ---------------------------------------------------------------------------

  factsSection(d) {
    const s = this.strings;
    const L = this.labels;
    const rows = [
      [s.description, d.description],
      [s.place, [d.region && d.region.name, d.cell].filter(Boolean).join(" · ")],
      [s.current_unit, d.current_unit && d.current_unit.name],
      [s.first_unit, d.first_unit && d.first_unit.name],
      [s.handler, d.handler],
      [s.handling, d.handling && (L.handling[d.handling] || d.handling)],
      [s.created_at, when(d.created_at)],
      [s.accepted_at, when(d.accepted_at)],
      [s.resolved_at, when(d.resolved_at)],
      [s.closed_at, when(d.closed_at)],
      [s.mediation_source, d.mediation_source && (L.source[d.mediation_source] || d.mediation_source)],
      [s.mediation_due_on, day(d.mediation_due_on)],
      [s.rework_count, d.rework_count ? String(d.rework_count) : ""],
      [s.reason, d.reason],
    ].filter(([, value]) => value);
    return section("facts", s.facts, h("dl", { class: "fact-list" }, rows.map(([term, value]) => [h("dt", { text: term }), h("dd", { text: value })])));
  }

  partiesSection(d) {
    const s = this.strings;
    const parties = d.parties || [];
    if (!parties.length) return section("parties", s.parties, h("p", { class: "muted", text: s.no_parties }));
    const signed = new Set((d.agreement && d.agreement.signed_parties) || []);
    const withAddress = parties.some((p) => p.address);
    const headings = [s.party_name, s.party_role, s.party_id_number, s.party_phone, withAddress ? s.party_address : null];
    const table = h(
      "table",
      { class: "parties" },
      h("thead", {}, h("tr", {}, headings.filter(Boolean).map((text) => h("th", { scope: "col", text })))),
      h(
        "tbody",
        {},
        parties.map((p) =>
          h(
            "tr",
            { dataset: { party: p.id } },
            h("th", { scope: "row" }, p.name, signed.has(p.id) ? h("span", { class: "tag", text: ` ✓ ${s.party_signed}` }) : null, p.refuses_mediation ? h("span", { class: "tag warn", text: ` ${s.refuses_mediation}` }) : null),
            h("td", { text: this.labels.role[p.role] || p.role }),
            h("td", { class: "mono", text: p.id_number || s.empty_value }),
            h("td", { class: "mono", text: p.phone || s.empty_value }),
            withAddress ? h("td", { text: p.address || s.empty_value }) : null,
          ),
        ),
      ),
    );
    return section("parties", s.parties, h("div", { class: "table-wrap" }, table), h("p", { class: "muted small", text: s.masked_note }));
  }

  mediationSection(d) {
    const s = this.strings;
    const sessions = d.sessions || [];
    const parts = [
      h("h4", { text: s.sessions }),
      sessions.length
        ? h(
            "ol",
            { class: "sessions" },
            sessions.map((session) =>
              h(
                "li",
                {},
                h("p", { class: "strong", text: fmt(s.session_line, { when: when(session.held_at), place: session.place }) }),
                h("p", { text: `${s.mediators}: ${(session.mediators || []).join("、")} · ${s.attendees}: ${session.attendees}` }),
                h("p", { class: "record", text: session.record }),
              ),
            ),
          )
        : h("p", { class: "muted", text: s.no_sessions }),
    ];
    const agreement = d.agreement;
    if (agreement) {
      const total = (d.parties || []).length;
      parts.push(
        h("h4", { text: s.agreement }),
        h(
          "p",
          { class: agreement.effective ? "ok" : "muted" },
          agreement.effective
            ? fmt(s.agreement_effective, { when: when(agreement.signed_at) })
            : fmt(s.agreement_unsigned, { signed: (agreement.signed_parties || []).length, total }),
        ),
        h(
          "dl",
          { class: "fact-list agreement" },
          [
            [this.fieldLabel("record_agreement", "facts"), agreement.facts],
            [this.fieldLabel("record_agreement", "issues"), agreement.issues],
            [this.fieldLabel("record_agreement", "responsibilities"), agreement.responsibilities],
            [this.fieldLabel("record_agreement", "terms"), agreement.terms],
            [this.fieldLabel("record_agreement", "performance"), agreement.performance],
            [this.fieldLabel("record_agreement", "perform_by"), day(agreement.perform_by)],
            [s.confirmation, agreement.confirmation_outcome ? `${day(agreement.confirmation_applied_on)} · ${this.confirmationLabel(agreement.confirmation_outcome)}` : ""],
          ]
            .filter(([, value]) => value)
            .map(([term, value]) => [h("dt", { text: term }), h("dd", { text: value })]),
        ),
        h(
          "p",
          { class: "print-links" },
          h("a", { href: withId(this.config.urls.print, d.id), target: "_blank", rel: "noopener", class: "button-link", text: s.print_html }),
          " ",
          h("a", { href: withId(this.config.urls.pdf, d.id), target: "_blank", rel: "noopener", class: "button-link", text: s.print_pdf }),
        ),
      );
    }
    const follow = d.follow_ups || [];
    if (follow.length) {
      parts.push(
        h("h4", { text: s.follow_ups }),
        h(
          "ul",
          { class: "plain" },
          follow.map((f) =>
            h("li", { text: [when(f.visited_at), f.visited_by, f.performed ? s.performed_yes : s.performed_no, f.satisfaction && this.labels.satisfaction[f.satisfaction], f.notes].filter(Boolean).join(" · ") }),
          ),
        ),
      );
    }
    if (d.kind !== "dispute" && !sessions.length && !agreement && !follow.length) return null;
    return section("mediation", s.mediation, parts);
  }

  confirmationLabel(outcome) {
    return this.labels.confirmation[outcome] || outcome;
  }

  fieldLabel(rule, name) {
    const spec = this.specs[rule];
    const field = spec && spec.fields.find((f) => f.name === name);
    return field ? field.label : name;
  }

  reportsSection(d) {
    const s = this.strings;
    const reports = d.reports || [];
    if (!reports.length) return null;
    return section(
      "reports",
      s.reports,
      h(
        "ul",
        { class: "plain" },
        reports.map((r) =>
          h(
            "li",
            {},
            h("p", { class: "strong", text: [when(r.received_at), r.reporter].filter(Boolean).join(" · ") }),
            h("p", { text: r.description }),
            r.contact_name || r.contact_phone ? h("p", { class: "muted", text: `${s.contact}: ${[r.contact_name, r.contact_phone].filter(Boolean).join(" ")}` }) : null,
            r.resolved_on_site ? h("p", { class: "muted", text: `${s.on_site}: ${r.on_site_result}` }) : null,
            r.on_behalf_of ? h("p", { class: "muted on-behalf", text: `${s.on_behalf}: ${r.on_behalf_of}` }) : null,
          ),
        ),
      ),
    );
  }

  photosSection(d) {
    const s = this.strings;
    const expected = (d.photos && d.photos.expected) || [];
    const shown = expected.filter((photo) => photo.url);
    const missing = (d.photos && d.photos.missing) || [];
    if (!expected.length) return section("photos", s.photos, h("p", { class: "muted", text: s.no_photos }));
    return section(
      "photos",
      s.photos,
      shown.length
        ? h(
            "ul",
            { class: "photos" },
            shown.map((photo, index) =>
              h("li", {}, h("a", { href: photo.url, target: "_blank", rel: "noopener" }, h("img", { src: photo.url, loading: "lazy", alt: fmt(s.photo_alt, { index: index + 1, purpose: this.labels.purpose[photo.purpose] || photo.purpose }) }))),
            ),
          )
        : null,
      missing.length ? h("p", { class: "muted", text: fmt(s.photos_missing, { count: missing.length }) }) : null,
    );
  }

  requestsSection(d) {
    const s = this.strings;
    const requests = d.pending_requests || [];
    if (!requests.length) return null;
    return section(
      "requests",
      s.requests,
      h(
        "ul",
        { class: "plain" },
        requests.map((r) => {
          const kind = this.labels.request[r.kind] || r.kind;
          const line = fmt(s.request_line, { kind, who: r.requested_by, reason: r.reason });
          return h("li", { text: r.days ? `${line} (${fmt(s.request_days, { days: r.days })})` : line });
        }),
      ),
    );
  }

  tasksSection(d) {
    const s = this.strings;
    const tasks = d.joint_tasks || [];
    if (!tasks.length) return null;
    return section(
      "tasks",
      s.joint_tasks,
      h(
        "ul",
        { class: "plain" },
        tasks.map((t) =>
          h(
            "li",
            { class: t.overdue ? "late" : "" },
            h("p", { class: "strong", text: t.unit.name }),
            t.instructions ? h("p", { text: t.instructions }) : null,
            h("p", { class: "muted", text: t.answered_at ? `${when(t.answered_at)} · ${t.answered_by}: ${t.answer}` : fmt(s.task_open, { when: when(t.due_at) }) }),
          ),
        ),
      ),
    );
  }

  timelineSection(d) {
    const s = this.strings;
    const entries = (d.timeline || []).slice().reverse(); // newest first
    return section(
      "timeline",
      s.timeline,
      h(
        "ol",
        { class: "timeline", reversed: true },
        entries.map((entry) => {
          const change = entry.from_state && entry.from_state !== entry.to_state
            ? fmt(s.state_change, { from: this.labels.state[entry.from_state] || entry.from_state, to: this.labels.state[entry.to_state] || entry.to_state })
            : "";
          const who = [entry.actor && fmt(s.by, { who: entry.actor }), entry.unit && fmt(s.at_unit, { unit: entry.unit })].filter(Boolean).join(" ");
          return h(
            "li",
            { dataset: { action: entry.action } },
            h("time", { datetime: entry.at, text: when(entry.at) }),
            h("p", { class: "strong", text: this.config.timeline[entry.action] || entry.action }),
            who || change ? h("p", { class: "muted", text: [who, change].filter(Boolean).join(" · ") }) : null,
            this.detailLines(entry.action, entry.details || {}),
          );
        }),
      ),
    );
  }

  detailLines(action, given) {
    const lines = [];
    const details = { ...given };
    if (action === "merged_in") details.merged_from = given.from;
    if (action === "regrade") {
      const grade = (value) => shortLabel(this.labels.grade[value] || value);
      lines.push(h("p", { class: "detail", text: fmt(this.strings.state_change, { from: grade(given.from), to: grade(given.to) }) }));
    }
    for (const [key, label] of Object.entries(this.config.details)) {
      let value = details[key];
      if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) continue;
      if (Array.isArray(value)) value = value.join("、");
      if (key === "satisfaction") value = this.labels.satisfaction[value] || value;
      if (key === "unit" || key === "to_unit") value = this.unitNames.get(value) || value;
      if (typeof value === "object") continue;
      lines.push(h("p", { class: "detail", text: `${label}: ${value}` }));
    }
    return lines;
  }
}

function section(name, title, ...content) {
  const id = `panel-${name}-title`;
  return h("section", { class: `panel-section section-${name}`, "aria-labelledby": id }, h("h3", { id, text: title }), content);
}
