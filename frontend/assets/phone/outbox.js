/* The outbox: reports wait on the phone until the server confirms them, and never go twice.
 *
 * A report is stored (with its photos) before anything is sent, under an id made on the phone.
 * The server stores a report once per id and answers a repeat with 200 and the same receipt, so
 * the outbox may always send again when it does not know whether a try arrived (no answer, the
 * app closed mid-send, two tabs): repeating is safe, and it is the only way not to lose one.
 *
 * Order: the report first (small; it opens the case), then each of its photos, which the report
 * names by SHA-256 and the server accepts at any later time. Each photo is tried on its own, so a
 * photo that failed resumes without sending the others again; and a photo itself goes in chunks
 * (phone/upload.js, the tus protocol) whose upload address is kept on its entry here, so that after
 * a drop or an app restart it goes on from the last byte the server has, not from zero.
 *
 * When: on start, on `online`, when the app becomes visible again, right after a report is saved,
 * on "send now", and on a timer with exponential backoff and jitter (2 s doubling to 5 min).
 * An answer of 408, 429 or 5xx, or none at all, means "later"; another 4xx means "refused": the
 * report keeps the server's message and is not sent again (the user may correct it, which makes
 * a new report with a new id). A 401 stops the round until the user signs in again.
 */
import { ApiError } from "../common/api.js";
import * as store from "./db.js";

const BASE_DELAY_MS = 2000;
const MAX_DELAY_MS = 5 * 60 * 1000;
const KEEP_SENT_MS = 14 * 24 * 3600 * 1000; // a sent report stays listed here for two weeks
const LOCK = "gridgov-phone-outbox";

export const WAITING = "waiting";
export const SENDING = "sending";
export const SENT = "sent";
export const REFUSED = "refused";

// --- the rules: plain functions of a record, no storage, no network ----------------------------

/** The delay before try number `attempts + 1`: exponential, capped, with jitter (half to all of it). */
export function backoff(attempts, random = Math.random) {
  const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** Done with: sent or refused, never sent again. */
export function isSettled(entry) {
  return entry.state === SENT || entry.state === REFUSED;
}

/** A report or photo to send in this round: not settled, and its backoff over (or `force`). */
export function isDue(entry, now, force = false) {
  return !isSettled(entry) && (force || (entry.nextAt || 0) <= now);
}

/** A sent report whose photos are all settled, sent longer ago than it stays listed. */
export function isExpired(item, now) {
  return (
    item.state === SENT &&
    (item.photos || []).every(isSettled) &&
    now - Date.parse(item.sentAt || item.createdAt) > KEEP_SENT_MS
  );
}

/** On start: a report left "sending" by a closed app was never confirmed, so it waits again. */
export function interrupted(item) {
  return item.state === SENDING ? { ...item, state: WAITING } : undefined;
}

/** Taking a report to send it: "sending", unless it is settled already (another tab was quicker). */
export function claim(item) {
  return isSettled(item) ? undefined : { ...item, state: SENDING };
}

/** The server took the report (201), or had it already (200: a repeat, same receipt). */
export function accepted(item, { status, data }, now) {
  return {
    ...item,
    state: SENT,
    sentAt: new Date(now).toISOString(),
    replayed: status === 200,
    receipt: data && data.case ? { case: data.case, duplicates: (data.duplicates || []).length } : null,
    problem: null,
    error: null,
  };
}

function problem(error, now) {
  return { kind: error.kind, status: error.status, message: error.summary, at: new Date(now).toISOString() };
}

/**
 * A try that failed with `error` (an ApiError): the report's new record and what the round does next.
 *   refused   the server will not take it: REFUSED with its message, never sent again; go on
 *   auth      the sign-in has ended: it waits (no try counted); stop the round, sign in again
 *   later     no answer, or the server in trouble: one more try counted, backoff; stop the round
 */
export function failed(item, error, now, random = Math.random) {
  if (error.kind === "refused") {
    const refusal = { status: error.status, message: error.summary, fields: error.fields || {} };
    return { record: { ...item, state: REFUSED, error: refusal, problem: null }, next: "refused" };
  }
  if (error.kind === "auth") {
    return { record: { ...item, state: WAITING, problem: problem(error, now) }, next: "auth" };
  }
  const attempts = (item.attempts || 0) + 1;
  const nextAt = now + backoff(attempts, random);
  return { record: { ...item, state: WAITING, attempts, nextAt, problem: problem(error, now) }, next: "later" };
}

/** The same for one photo: the changes to its entry (none for "auth") and what comes next. */
export function photoFailed(photo, error, now, random = Math.random) {
  if (error.kind === "refused") {
    return { changes: { state: REFUSED, error: { status: error.status, message: error.summary } }, next: "refused" };
  }
  if (error.kind === "auth") return { changes: null, next: "auth" };
  const attempts = (photo.attempts || 0) + 1;
  return { changes: { attempts, nextAt: now + backoff(attempts, random), problem: problem(error, now) }, next: "later" };
}

/** How far a photo got, 0–1: done, bytes on their way now (`live`), or the last chunk the server confirmed. */
export function photoShare(photo, live) {
  if (photo.state === SENT) return 1;
  const now = live && live.total ? live.sent / live.total : 0;
  const confirmed = photo.size ? (photo.offset || 0) / photo.size : 0;
  return Math.min(1, Math.max(now, confirmed));
}

/** When the next round is due: the earliest backoff among what is still to send (Infinity: nothing). */
export function nextDue(items) {
  let next = Infinity;
  for (const item of items) {
    if (item.state === WAITING || item.state === SENDING) next = Math.min(next, item.nextAt || 0);
    if (item.state === SENT) {
      for (const photo of item.photos || []) {
        if (!isSettled(photo)) next = Math.min(next, photo.nextAt || 0);
      }
    }
  }
  return next;
}

// --- the outbox: the rules applied to what IndexedDB holds ------------------------------------

export class Outbox extends EventTarget {
  /**
   * `auth()` gives {token, username} or null; `onAuthLost(error)` runs when the server answers 401
   * (the reports stay, waiting, until the same user signs in again);
   * `request` is the phone's API client (phone/api.js) and `urls` its addresses ({reports, photos});
   * `sendPhoto` sends one photo (the app's is resumable: phone/upload.js; without it, the photo goes
   * in one request to urls.photos). It takes {photo, stored, auth, onUrl, onProgress, onChunk} and
   * rejects with an ApiError.
   */
  constructor({ auth, onAuthLost, request, urls, sendPhoto }) {
    super();
    this.auth = auth;
    this.onAuthLost = onAuthLost || (() => {});
    this.request = request;
    this.urls = urls;
    this.sendPhoto = sendPhoto || ((options) => this.postPhoto(options));
    // Bytes sent of the photo being sent now, by its key: {sent, total} (live only; the confirmed
    // offset is kept on the photo's entry, so a restarted app shows how far it got).
    this.progress = new Map();
    this.running = false;
    this.again = false;
    this.forceAgain = false;
    this.timer = null;
    this.channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("gridgov-phone") : null;
    if (this.channel) this.channel.onmessage = () => this.emit(false);
  }

  emit(broadcast = true) {
    this.dispatchEvent(new Event("change"));
    if (broadcast && this.channel) this.channel.postMessage("outbox");
  }

  /** Reports left "sending" by a closed app were never confirmed: they wait again. */
  async start() {
    const auth = this.auth();
    if (!auth) return;
    for (const item of await store.reportsOf(auth.username)) {
      if (item.state === SENDING) await store.updateReport(item.id, interrupted);
    }
    this.emit(false);
    this.pump();
  }

  /** No more rounds from this page: its timer and its channel to other tabs end. */
  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.channel) this.channel.close();
    this.channel = null;
  }

  async add(item, photos) {
    await store.addReport(item, photos);
    this.emit();
    this.pump(true);
  }

  async discard(id) {
    await store.deleteReport(id);
    this.emit();
  }

  async items() {
    const auth = this.auth();
    return auth ? store.reportsOf(auth.username) : [];
  }

  /** Send whatever is due; `force` also sends what is waiting out its backoff. */
  async pump(force = false) {
    if (this.running) {
      this.again = true;
      this.forceAgain = this.forceAgain || force;
      return;
    }
    this.running = true;
    clearTimeout(this.timer);
    try {
      const run = () => this.drain(force);
      // One tab at a time sends (another tab's round would only repeat what is in flight).
      if (navigator.locks && typeof navigator.locks.request === "function") await navigator.locks.request(LOCK, run);
      else await run();
    } catch (error) {
      // Storage trouble must not stop the timer: the next round tries again.
      console.error("outbox", error);
    } finally {
      this.running = false;
    }
    if (this.again) {
      const again = this.forceAgain;
      this.again = false;
      this.forceAgain = false;
      return this.pump(again);
    }
    return this.scheduleNext();
  }

  async drain(force) {
    const auth = this.auth();
    if (!auth) return;
    for (const item of await store.reportsOf(auth.username)) {
      if (isExpired(item, Date.now())) await store.deleteReport(item.id);
    }
    if (navigator.onLine === false) return; // certainly offline: wait for the `online` event
    for (const item of await store.reportsOf(auth.username)) {
      if (item.state === REFUSED) continue;
      if (item.state !== SENT) {
        if (!isDue(item, Date.now(), force)) continue;
        const outcome = await this.sendReport(item.id, auth);
        if (outcome === "stop") return;
        if (outcome !== SENT) continue;
      }
      if ((await this.sendPhotos(item.id, auth, force)) === "stop") return;
    }
  }

  async sendReport(id, auth) {
    const item = await store.updateReport(id, claim);
    if (!item || item.state !== SENDING) return item ? item.state : REFUSED;
    this.emit();
    let answer;
    try {
      answer = await this.request(this.urls.reports, { method: "POST", token: auth.token, json: item.payload });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      let next;
      await store.updateReport(id, (current) => {
        const result = failed(current, error, Date.now());
        next = result.next;
        return result.record;
      });
      this.emit();
      if (next === "refused") return REFUSED;
      if (next === "auth") this.onAuthLost(error);
      return "stop"; // no signal or a server in trouble: the other reports would fare no better now
    }
    await store.updateReport(id, (current) => accepted(current, answer, Date.now()));
    this.emit();
    return SENT;
  }

  async sendPhotos(id, auth, force) {
    const item = await store.getReport(id);
    for (const photo of (item && item.photos) || []) {
      if (!isDue(photo, Date.now(), force)) continue;
      const stored = await store.getPhoto(photo.key);
      if (!stored) {
        await this.updatePhoto(id, photo.key, { state: REFUSED, error: { message: "" } });
        continue;
      }
      // What the upload learns on the way (its address, each confirmed chunk) is written in order.
      let saving = Promise.resolve();
      const save = (changes) => {
        saving = saving.then(() => this.updatePhoto(id, photo.key, changes));
      };
      let uploadUrl = photo.uploadUrl || null;
      try {
        await this.sendPhoto({
          photo: { ...photo, uploadUrl },
          stored,
          auth,
          onUrl: (url) => {
            if (url && url !== uploadUrl) save({ uploadUrl: (uploadUrl = url) });
          },
          onProgress: (sent, total) => this.progressed(photo.key, sent, total),
          onChunk: (accepted, total) => save({ offset: accepted, size: total }),
        });
      } catch (error) {
        await saving;
        this.progress.delete(photo.key);
        if (!(error instanceof ApiError)) throw error;
        const { changes, next } = photoFailed(photo, error, Date.now());
        if (changes) await this.updatePhoto(id, photo.key, changes);
        if (next === "refused") continue;
        if (next === "auth") this.onAuthLost(error);
        return "stop";
      }
      await saving;
      this.progress.delete(photo.key);
      const size = stored.blob.size;
      await this.updatePhoto(id, photo.key, { state: SENT, error: null, problem: null, offset: size, size });
      await store.deletePhoto(photo.key); // the server has the bytes now
    }
    return "done";
  }

  /** The photo in one request (the single-request endpoint), for an outbox given no `sendPhoto`. */
  async postPhoto({ photo, stored, auth }) {
    const form = new FormData();
    const extension = (stored.blob.type || "image/jpeg").split("/")[1] || "jpg";
    form.append("file", stored.blob, `${photo.sha256}.${extension}`);
    await this.request(this.urls.photos, { method: "POST", token: auth.token, form, timeoutMs: 180000 });
  }

  /** Bytes of a photo on their way: told to the lists at once (no storage, no broadcast). */
  progressed(key, sent, total) {
    this.progress.set(key, { sent, total });
    this.dispatchEvent(new CustomEvent("progress", { detail: { key, sent, total } }));
  }

  async updatePhoto(id, key, changes) {
    await store.updateReport(id, (current) => ({
      ...current,
      photos: current.photos.map((photo) => (photo.key === key ? { ...photo, ...changes } : photo)),
    }));
    this.emit();
  }

  /** Wake up when the earliest backoff runs out. */
  async scheduleNext() {
    clearTimeout(this.timer);
    const auth = this.auth();
    if (!auth) return;
    const next = nextDue(await store.reportsOf(auth.username));
    if (next === Infinity) return;
    const delay = Math.min(MAX_DELAY_MS, Math.max(1000, next - Date.now()));
    this.timer = setTimeout(() => this.pump(), delay);
  }
}
