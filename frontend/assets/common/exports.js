/* One export (台账导出) as the pages show it: queued, a progress bar while the job runner writes
 * it, then the size and the download link, or why it failed. The ledgers page lists them all;
 * the assessment page follows the one it asked for. The strings come from the page's config
 * (frontend/ledgers.py's EXPORT_TEXT). */
import { fill } from "./text.js";

export const ACTIVE = new Set(["queued", "running"]);

export function size(bytes) {
  if (bytes == null) return "";
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A list item for `exported` (the API's export), in the page's `text`. */
export function exportItem(exported, text) {
  const li = document.createElement("li");
  li.dataset.state = exported.state;
  li.dataset.id = exported.id;
  const title = document.createElement("p");
  title.className = "export-title";
  title.textContent = `${exported.register_title} · ${exported.format.toUpperCase()}`;
  const status = document.createElement("p");
  status.className = "export-status";
  li.append(title);
  if (ACTIVE.has(exported.state)) {
    const bar = document.createElement("progress");
    bar.max = exported.rows_total || 1;
    bar.value = exported.rows_total ? exported.rows_done : 0;
    bar.setAttribute("aria-label", title.textContent);
    li.appendChild(bar);
    status.textContent =
      exported.state === "queued" ? text.queued : fill(text.running, { done: exported.rows_done, total: exported.rows_total ?? "…" });
  } else if (exported.state === "done") {
    status.textContent = fill(text.done, { rows: exported.rows_done, size: size(exported.size) });
    const link = document.createElement("a");
    link.href = exported.download;
    link.className = "export-download";
    link.textContent = text.download;
    status.append(" ", link);
  } else {
    status.textContent = fill(text.failed, { error: exported.error });
  }
  li.appendChild(status);
  return li;
}

/** The CSRF token of the session (Django's cookie), for the pages that post with it. */
export function csrf() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}
