/* The lists: reports on this phone (the outbox) with their states, reports the server holds,
 * and the cases waiting for the gridworker (核查: verify a resolved case in their grid). */
import { REFUSED, SENDING, SENT, WAITING } from "./outbox.js";
import { formatTime, t } from "./text.js";

const $ = (id) => document.getElementById(id);

function fromTemplate(id) {
  return $(id).content.firstElementChild.cloneNode(true);
}

function fill(card, name, text) {
  const element = card.querySelector(`[data-slot="${name}"]`);
  if (!element) return null;
  element.textContent = text || "";
  element.hidden = !text;
  return element;
}

function caseLine(caseRef) {
  if (!caseRef) return "";
  return caseRef.state_display || t(`caseState.${caseRef.state}`);
}

function waitingDetail(item) {
  const parts = [];
  if (item.problem) {
    parts.push(item.problem.kind === "network" ? t("noSignal") : t("serverTrouble", { status: item.problem.status }));
  }
  if (item.nextAt && item.nextAt > Date.now()) parts.push(t("nextTry", { time: formatTime(item.nextAt) }));
  return parts.join(" ");
}

/** Cards for the outbox, newest first; `server` maps report id → the server's report (for the case state). */
export function renderOutbox(items, server, actions) {
  const list = $("outbox-list");
  list.textContent = "";
  const shown = [...items].reverse();
  shown.forEach((item) => {
    const card = fromTemplate("outbox-card");
    card.dataset.id = item.id;
    card.dataset.state = item.state;
    fill(card, "category", (item.category && item.category.name) || item.payload.category);
    const badge = fill(card, "state", t(`state.${item.state}`));
    badge.dataset.state = item.state;
    fill(card, "description", item.payload.description);
    fill(card, "time", formatTime(item.createdAt));
    let detail = "";
    if (item.state === WAITING) detail = waitingDetail(item);
    if (item.state === SENT && item.receipt && item.receipt.case) {
      const known = server.get(item.id);
      const caseRef = (known && known.case) || item.receipt.case;
      detail = `${t("receipt", { number: item.receipt.case.number, code: item.receipt.case.verification_code })} · ${caseLine(caseRef)}`;
    }
    fill(card, "detail", detail);
    fill(card, "error", item.state === REFUSED && item.error ? item.error.message : "");
    const photos = item.photos || [];
    if (photos.length) {
      const sent = photos.filter((photo) => photo.state === SENT).length;
      const refused = photos.find((photo) => photo.state === REFUSED);
      const progress = fill(card, "photos", t("photosProgress", { sent, total: photos.length }));
      progress.dataset.done = String(sent === photos.length);
      if (refused) fill(card, "photo-error", t("photoRefused", { message: (refused.error && refused.error.message) || "" }));
    }
    const correct = card.querySelector("[data-action=correct]");
    const discard = card.querySelector("[data-action=discard]");
    correct.hidden = discard.hidden = item.state !== REFUSED;
    card.querySelector(".actions").hidden = item.state !== REFUSED;
    correct.addEventListener("click", () => actions.correct(item));
    discard.addEventListener("click", () => actions.discard(item));
    list.append(card);
  });
  $("outbox-empty").hidden = shown.length > 0;
  const pending = items.filter((item) => item.state === WAITING || item.state === SENDING).length;
  return pending;
}

/** The server's reports that this phone's outbox does not already show. */
export function renderServerReports(reports, localIds) {
  const list = $("report-list");
  list.textContent = "";
  const others = reports.filter((report) => !localIds.has(report.id));
  others.forEach((report) => {
    const card = fromTemplate("report-card");
    card.dataset.id = report.id;
    fill(card, "category", report.category && report.category.name);
    const badge = fill(card, "state", caseLine(report.case));
    if (badge) badge.dataset.caseState = report.case ? report.case.state : "";
    fill(card, "description", report.description);
    fill(card, "time", formatTime(report.received_at));
    fill(card, "detail", [report.case && report.case.number, report.region && report.region.name].filter(Boolean).join(" · "));
    list.append(card);
  });
  $("report-empty").hidden = others.length > 0 || localIds.size > 0;
}

function caseCard(templateId, item) {
  const card = fromTemplate(templateId);
  card.dataset.id = item.id;
  fill(card, "category", item.category && item.category.name);
  const badge = fill(card, "state", item.state_display);
  if (badge) badge.dataset.caseState = item.state;
  fill(card, "description", item.description);
  const due = item.overdue ? t("overdue") : item.due_at ? t("due", { time: formatTime(item.due_at) }) : "";
  fill(card, "detail", [item.number, item.region && item.region.name, due].filter(Boolean).join(" · "));
  return card;
}

/** Cases to verify, with their two answers; `verify(case, passed, note)` resolves to an error message or "". */
export function renderTasks(tasks, open, verify) {
  const list = $("task-list");
  list.textContent = "";
  tasks.forEach((item) => {
    const card = caseCard("task-card", item);
    const note = card.querySelector("textarea");
    const noteId = `verify-note-${item.id}`;
    note.id = noteId;
    card.querySelector("label[data-for=note]").htmlFor = noteId;
    const failBox = card.querySelector(".verify-fail");
    const message = card.querySelector("[data-slot=message]");
    const buttons = card.querySelectorAll("button");
    const run = async (passed) => {
      buttons.forEach((button) => (button.disabled = true));
      const error = await verify(item, passed, note.value.trim());
      buttons.forEach((button) => (button.disabled = false));
      message.textContent = error || t("verified");
      message.hidden = false;
      message.dataset.kind = error ? "error" : "ok";
    };
    card.querySelector("[data-action=pass]").addEventListener("click", () => run(true));
    card.querySelector("[data-action=fail]").addEventListener("click", () => {
      failBox.hidden = false;
      note.focus();
    });
    card.querySelector("[data-action=send-fail]").addEventListener("click", () => {
      if (!note.value.trim()) {
        message.textContent = t("verifyNote");
        message.hidden = false;
        message.dataset.kind = "error";
        note.focus();
        return;
      }
      run(false);
    });
    list.append(card);
  });
  $("task-empty").hidden = tasks.length > 0;

  const openList = $("open-list");
  openList.textContent = "";
  open.forEach((item) => openList.append(caseCard("case-card", item)));
  $("open-empty").hidden = open.length > 0;
}
