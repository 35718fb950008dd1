/* The lists: reports on this phone (the outbox) with their states, reports the server holds,
 * what waits for me (待办, from /api/work/: most urgent first; 核查 answered right on the card),
 * and the open matters in my grid. Every case card opens the case (casesheet.js). */
import { REFUSED, SENDING, SENT, WAITING, photoShare } from "./outbox.js";
import { config, formatTime, t } from "./text.js";

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

function progressLine(row, photo, number, share) {
  const percent = `${Math.floor(share * 100)}%`;
  const bar = row.querySelector("progress");
  bar.value = share;
  bar.setAttribute("aria-label", t("photoUpload", { number }));
  const done = photo.state === SENT;
  const refused = photo.state === REFUSED;
  row.dataset.state = photo.state;
  row.dataset.percent = String(Math.floor(share * 100));
  const sending = t("photoSending", { number, percent });
  // A photo waiting after a failed try says why and when it goes again, as a waiting report does.
  const why = photo.problem ? waitingDetail(photo) : "";
  row.querySelector("[data-slot=photo-share]").textContent = done
    ? t("photoUploaded", { number })
    : refused
      ? t("photoNotUploaded", { number })
      : [sending, why].filter(Boolean).join(" · ");
}

/** The live bytes of one photo ({key, sent, total}), drawn on its row without redrawing the list. */
export function showProgress({ key, sent, total }) {
  const row = [...document.querySelectorAll("#outbox-list [data-photo-key]")].find((li) => li.dataset.photoKey === key);
  if (!row) return;
  const share = total ? sent / total : 0;
  if (share * 100 < Number(row.dataset.percent || 0)) return;
  progressLine(row, { state: row.dataset.state }, Number(row.dataset.number), share);
}

/** Cards for the outbox, newest first; `server` maps report id → the server's report (for the case state),
 * `live` photo key → the bytes on their way now. */
export function renderOutbox(items, server, live, actions) {
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
      if (item.receipt.duplicates) detail += ` · ${t("receipt_duplicates", { count: item.receipt.duplicates })}`;
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
      const rows = card.querySelector("[data-slot=photo-progress]");
      rows.hidden = sent === photos.length;
      photos.forEach((photo, index) => {
        const row = fromTemplate("photo-progress-row");
        row.dataset.photoKey = photo.key;
        row.dataset.number = String(index + 1);
        progressLine(row, photo, index + 1, photoShare(photo, live && live.get(photo.key)));
        rows.append(row);
      });
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
export function renderServerReports(reports, localIds, openCase) {
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
    const open = card.querySelector("[data-action=open]");
    if (report.case && report.case.id) {
      open.hidden = false;
      open.setAttribute("aria-label", `${t("details")} ${report.case.number || ""}`.trim());
      open.addEventListener("click", () => openCase(report.case.id));
    }
    list.append(card);
  });
  $("report-empty").hidden = others.length > 0 || localIds.size > 0;
}

function caseCard(templateId, item, openCase, work) {
  const card = fromTemplate(templateId);
  card.dataset.id = item.id;
  fill(card, "category", item.category && item.category.name);
  const badge = fill(card, "state", item.state_display);
  if (badge) badge.dataset.caseState = item.state;
  fill(card, "description", item.description);
  const due = item.overdue ? t("overdue") : item.due_at ? t("due", { time: formatTime(item.due_at) }) : "";
  fill(card, "detail", [item.number, item.region && item.region.name, due].filter(Boolean).join(" · "));
  if (work) {
    card.dataset.urgency = work.urgency;
    const urgent = work.urgency === "breached" || work.urgency === "warning";
    fill(card, "urgency", urgent ? t(`urgency.${work.urgency}`) : "");
    fill(card, "acts", t("asks", { acts: work.acts.map((name) => config.acts[name] || name).join("、") }));
  }
  const open = card.querySelector("[data-action=open]");
  if (open) {
    open.setAttribute("aria-label", `${t("details")} ${item.number || ""}`.trim());
    open.addEventListener("click", () => openCase(item.id));
  }
  return card;
}

/**
 * What waits for me (`work`: /api/work/'s items {case, urgency, acts}), in the server's order; a case
 * to verify gets its two answers on the card: `verify(case, passed, note)` resolves to an error
 * message or "". Then the open matters of my grid.
 */
export function renderTasks(work, open, verify, openCase) {
  const list = $("task-list");
  list.textContent = "";
  work.forEach((entry) => {
    const item = entry.case;
    if (!entry.acts.includes("verify")) {
      list.append(caseCard("case-card", item, openCase, entry));
      return;
    }
    const card = caseCard("task-card", item, openCase, entry);
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
  $("task-empty").hidden = work.length > 0;

  const openList = $("open-list");
  openList.textContent = "";
  open.forEach((item) => openList.append(caseCard("case-card", item, openCase)));
  $("open-empty").hidden = open.length > 0;
}
