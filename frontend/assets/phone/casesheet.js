/* A case opened from a card: its state, deadline, place, photos and timeline, and what it asks of me.
 *
 * The words come from the page (acts from the catalogue, timeline steps from disputes/timeline.py);
 * photos are fetched with the token (the app has no session cookie) and shown from memory. */
import { ApiError } from "../common/api.js";
import { request } from "./api.js";
import { config, formatTime, t } from "./text.js";

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes).forEach(([key, value]) => {
    if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  });
  children.flat().forEach((child) => child && node.append(child));
  return node;
}

function facts(rows) {
  const list = element("dl", { class: "figures" });
  rows.forEach(([label, value]) => {
    if (!value) return;
    list.append(element("dt", { text: label }), element("dd", { text: value }));
  });
  return list;
}

export class CaseSheet {
  constructor({ auth, onAuthLost, showTasks }) {
    this.auth = auth;
    this.onAuthLost = onAuthLost;
    this.showTasks = showTasks;
    this.dialog = $("case-dialog");
    this.body = $("case-body");
    this.urls = [];
    $("case-close").addEventListener("click", () => this.close());
    this.dialog.addEventListener("close", () => this.release());
  }

  async open(id) {
    const auth = this.auth();
    if (!auth) return;
    this.release();
    $("case-dialog-title").textContent = t("details");
    this.body.replaceChildren(element("p", { class: "sub", role: "status", text: t("loading") }));
    if (typeof this.dialog.showModal === "function") this.dialog.showModal();
    else this.dialog.setAttribute("open", "");
    this.dialog.dataset.caseId = String(id);
    try {
      const { data } = await request(`${config.api.cases}${id}/`, { token: auth.token });
      if (this.dialog.dataset.caseId !== String(id)) return;
      this.render(data);
      this.loadPhotos(data, auth);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.kind === "auth") {
        this.close();
        this.onAuthLost(error);
        return;
      }
      const message = error.kind === "network" ? t("needsSignal") : error.summary;
      this.body.replaceChildren(element("p", { class: "message", dataset: { kind: "error" }, role: "alert", text: t("loadFailed", { message }) }));
    }
  }

  close() {
    if (typeof this.dialog.close === "function") this.dialog.close();
    else this.dialog.removeAttribute("open");
    this.release();
  }

  release() {
    this.urls.forEach((url) => URL.revokeObjectURL(url));
    this.urls = [];
  }

  render(data) {
    const s = (key) => t(`sheet.${key}`);
    $("case-dialog-title").textContent = t("caseTitle", { number: data.number });
    const due = data.overdue
      ? `${t("overdue")} · ${formatTime(data.due_at)}`
      : data.due_at
        ? formatTime(data.due_at)
        : s("noDue");
    const acts = (data.allowed_actions || []).map((name) => config.acts[name] || name);
    const parts = [
      element(
        "p",
        { class: "card-head" },
        element("strong", { text: (data.category && data.category.name) || "" }),
        element("span", { class: "badge case", dataset: { caseState: data.state }, text: data.state_display || data.state }),
      ),
      element("p", { class: "desc-full", text: data.description || "" }),
      facts([
        [s("due"), due],
        [s("place"), [data.region && data.region.name, data.cell].filter(Boolean).join(" · ")],
        [s("unit"), data.current_unit && data.current_unit.name],
        [s("reported"), formatTime(data.created_at)],
      ]),
    ];
    if (acts.length) parts.push(element("p", { class: "detail asks", text: t("asks", { acts: acts.join("、") }) }));
    if ((data.allowed_actions || []).includes("verify")) {
      const go = element("button", { type: "button", class: "secondary small", text: s("goVerify") });
      go.addEventListener("click", () => {
        this.close();
        this.showTasks();
      });
      parts.push(go);
    }
    parts.push(element("h3", { text: s("photos") }), element("ul", { class: "photos", id: "case-photos" }));
    const steps = (data.timeline || []).slice().reverse(); // newest first
    parts.push(
      element("h3", { text: s("timeline") }),
      element(
        "ol",
        { class: "timeline", reversed: "" },
        steps.map((entry) =>
          element(
            "li",
            { dataset: { action: entry.action } },
            element("time", { datetime: entry.at, text: formatTime(entry.at) }),
            element("strong", { text: ` ${config.timeline[entry.action] || entry.action}` }),
            entry.unit || entry.actor ? element("span", { class: "meta", text: ` · ${[entry.unit, entry.actor].filter(Boolean).join(" · ")}` }) : null,
          ),
        ),
      ),
    );
    this.body.replaceChildren(...parts);
  }

  async loadPhotos(data, auth) {
    const list = $("case-photos");
    const photos = ((data.photos && data.photos.expected) || []).filter((photo) => photo.url);
    if (!photos.length) {
      list.replaceWith(element("p", { class: "sub", text: t("sheet.noPhotos") }));
      return;
    }
    for (const [index, photo] of photos.entries()) {
      try {
        const response = await fetch(photo.url, { headers: { Authorization: `Token ${auth.token}` }, credentials: "omit" });
        if (!response.ok) continue;
        const url = URL.createObjectURL(await response.blob());
        this.urls.push(url);
        list.append(element("li", {}, element("img", { src: url, alt: t("sheet.photo", { number: index + 1 }), loading: "lazy" })));
      } catch {
        // No signal: the photo is simply not shown; the rest of the case is.
      }
    }
  }
}
