/* The home page's live events: the 15 most recent events of the signed-in user's jurisdiction.
 * Its words come from the page (the <template id="live-labels">); the stream resumes per user. */
import { createEventStream } from "../common/events.js";

const MAX = 15;

function start(section) {
  const list = document.getElementById("live-list");
  const empty = document.getElementById("live-empty");
  const statusNode = document.getElementById("live-status");
  const labels = document.getElementById("live-labels").content;
  const lang = document.documentElement.lang || undefined;

  function label(attr, key) {
    const node = labels.querySelector(`[${attr}="${key}"]`);
    return node ? node.textContent : key;
  }

  function when(value) {
    const date = value instanceof Date ? value : new Date(value);
    if (isNaN(date)) return "";
    return date.toLocaleString(lang, { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function onEvent(event) {
    const facts = (event.payload && event.payload.case) || {};
    const item = document.createElement("li");
    item.dataset.seq = event.seq;
    const time = document.createElement("time");
    time.dateTime = event.at || "";
    time.textContent = when(event.at);
    const what = document.createElement("strong");
    what.textContent = label("data-kind", event.kind);
    item.append(time, " ", what, " · ", facts.number || "", facts.category ? ` · ${facts.category}` : "");
    // Newest position first; a late lower position goes to its place.
    const next = Array.from(list.children).find((other) => Number(other.dataset.seq) < event.seq);
    list.insertBefore(item, next || null);
    while (list.children.length > MAX) list.removeChild(list.lastElementChild);
    empty.hidden = true;
  }

  function onStatus(status, since) {
    statusNode.dataset.status = status;
    statusNode.textContent = label("data-status", status) + (status === "offline" ? ` ${when(since)}` : "");
  }

  createEventStream({ onEvent, onStatus, storageKey: section.dataset.storageKey }).start();
}

const section = document.getElementById("live-events");
if (section) start(section);
