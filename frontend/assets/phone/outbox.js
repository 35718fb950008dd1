/* The outbox: reports wait on the phone until the server confirms them, and never go twice.
 *
 * A report is stored (with its photos) before anything is sent, under an id made on the phone.
 * The server stores a report once per id and answers a repeat with 200 and the same receipt, so
 * the outbox may always send again when it does not know whether a try arrived (no answer, the
 * app closed mid-send, two tabs): repeating is safe, and it is the only way not to lose one.
 *
 * Order: the report first (small; it opens the case), then each of its photos, which the report
 * names by SHA-256 and the server accepts at any later time. Each photo is tried on its own, so a
 * photo that failed resumes without sending the others again.
 *
 * When: on start, on `online`, when the app becomes visible again, right after a report is saved,
 * on "send now", and on a timer with exponential backoff and jitter (2 s doubling to 5 min).
 * An answer of 408, 429 or 5xx, or none at all, means "later"; another 4xx means "refused": the
 * report keeps the server's message and is not sent again (the user may correct it, which makes
 * a new report with a new id). A 401 stops the round until the user signs in again.
 */
import { ApiError } from "../common/api.js";
import * as store from "./db.js";
import { request } from "./api.js";
import { config } from "./text.js";

const BASE_DELAY_MS = 2000;
const MAX_DELAY_MS = 5 * 60 * 1000;
const KEEP_SENT_MS = 14 * 24 * 3600 * 1000; // a sent report stays listed here for two weeks
const LOCK = "gridgov-phone-outbox";

export const WAITING = "waiting";
export const SENDING = "sending";
export const SENT = "sent";
export const REFUSED = "refused";

/** The delay before try number `attempts + 1`: exponential, capped, with jitter (half to all of it). */
export function backoff(attempts) {
  const cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

function problem(error) {
  return { kind: error.kind, status: error.status, message: error.summary, at: new Date().toISOString() };
}

export class Outbox extends EventTarget {
  /** `auth()` gives {token, username} or null; `onAuthLost()` runs when the server answers 401. */
  constructor({ auth, onAuthLost }) {
    super();
    this.auth = auth;
    this.onAuthLost = onAuthLost || (() => {});
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
      if (item.state === SENDING) {
        await store.updateReport(item.id, (current) => ({ ...current, state: WAITING }));
      }
    }
    this.emit(false);
    this.pump();
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
    const items = await store.reportsOf(auth.username);
    const now = Date.now();
    for (const item of items) {
      const photosDone = (item.photos || []).every((photo) => photo.state === SENT || photo.state === REFUSED);
      if (item.state === SENT && photosDone && now - Date.parse(item.sentAt || item.createdAt) > KEEP_SENT_MS) {
        await store.deleteReport(item.id);
      }
    }
    if (navigator.onLine === false) return; // certainly offline: wait for the `online` event
    for (const item of await store.reportsOf(auth.username)) {
      if (item.state === REFUSED) continue;
      if (item.state !== SENT) {
        if (!force && (item.nextAt || 0) > Date.now()) continue;
        const outcome = await this.sendReport(item.id, auth);
        if (outcome === "stop") return;
        if (outcome !== SENT) continue;
      }
      if ((await this.sendPhotos(item.id, auth, force)) === "stop") return;
    }
  }

  async sendReport(id, auth) {
    const item = await store.updateReport(id, (current) =>
      current.state === SENT || current.state === REFUSED ? undefined : { ...current, state: SENDING },
    );
    if (!item || item.state !== SENDING) return item ? item.state : REFUSED;
    this.emit();
    try {
      const { status, data } = await request(config.api.reports, { method: "POST", token: auth.token, json: item.payload });
      await store.updateReport(id, (current) => ({
        ...current,
        state: SENT,
        sentAt: new Date().toISOString(),
        replayed: status === 200,
        receipt: data && data.case ? { case: data.case, duplicates: (data.duplicates || []).length } : null,
        problem: null,
        error: null,
      }));
      this.emit();
      return SENT;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.kind === "refused") {
        await store.updateReport(id, (current) => ({
          ...current,
          state: REFUSED,
          error: { status: error.status, message: error.summary, fields: error.fields },
          problem: null,
        }));
        this.emit();
        return REFUSED;
      }
      if (error.kind === "auth") {
        await store.updateReport(id, (current) => ({ ...current, state: WAITING, problem: problem(error) }));
        this.emit();
        this.onAuthLost();
        return "stop";
      }
      await store.updateReport(id, (current) => {
        const attempts = (current.attempts || 0) + 1;
        return { ...current, state: WAITING, attempts, nextAt: Date.now() + backoff(attempts), problem: problem(error) };
      });
      this.emit();
      return "stop"; // no signal or a server in trouble: the other reports would fare no better now
    }
  }

  async sendPhotos(id, auth, force) {
    const item = await store.getReport(id);
    for (const photo of (item && item.photos) || []) {
      if (photo.state === SENT || photo.state === REFUSED) continue;
      if (!force && (photo.nextAt || 0) > Date.now()) continue;
      const stored = await store.getPhoto(photo.key);
      if (!stored) {
        await this.updatePhoto(id, photo.key, { state: REFUSED, error: { message: "" } });
        continue;
      }
      const form = new FormData();
      const extension = (stored.blob.type || "image/jpeg").split("/")[1] || "jpg";
      form.append("file", stored.blob, `${photo.sha256}.${extension}`);
      try {
        await request(config.api.photos, { method: "POST", token: auth.token, form, timeoutMs: 180000 });
        await this.updatePhoto(id, photo.key, { state: SENT, error: null, problem: null });
        await store.deletePhoto(photo.key); // the server has the bytes now
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.kind === "refused") {
          await this.updatePhoto(id, photo.key, { state: REFUSED, error: { status: error.status, message: error.summary } });
          continue;
        }
        if (error.kind === "auth") {
          this.onAuthLost();
          return "stop";
        }
        const attempts = (photo.attempts || 0) + 1;
        await this.updatePhoto(id, photo.key, { attempts, nextAt: Date.now() + backoff(attempts), problem: problem(error) });
        return "stop";
      }
    }
    return "done";
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
    let next = Infinity;
    for (const item of await store.reportsOf(auth.username)) {
      if (item.state === WAITING || item.state === SENDING) next = Math.min(next, item.nextAt || 0);
      if (item.state === SENT) {
        for (const photo of item.photos || []) {
          if (photo.state !== SENT && photo.state !== REFUSED) next = Math.min(next, photo.nextAt || 0);
        }
      }
    }
    if (next === Infinity) return;
    const delay = Math.min(MAX_DELAY_MS, Math.max(1000, next - Date.now()));
    this.timer = setTimeout(() => this.pump(), delay);
  }
}
