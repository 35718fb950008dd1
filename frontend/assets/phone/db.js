/* What the app keeps on the phone (IndexedDB, through the `idb` package).
 *
 *   outbox   one record per report made on this phone, keyed by its id (made here), with the body
 *            exactly as it is sent, its state (waiting / sending / sent / refused), the server's
 *            receipt or refusal, and its photos' upload states. Indexed by user.
 *   photos   the photos' bytes (Blobs) until the server has them, keyed "<report id>/<sha256>".
 *   kv       small values: the sign-in, the category tree, the user's grid cells and lists last
 *            seen, the categories the user picks most.
 *
 * A report and its photos go in with one transaction, before anything is sent.
 */
import { openDB } from "idb";

const NAME = "gridgov-phone";
const VERSION = 1;

let opening = null;

export function db() {
  if (!opening) {
    opening = openDB(NAME, VERSION, {
      upgrade(database) {
        const outbox = database.createObjectStore("outbox", { keyPath: "id" });
        outbox.createIndex("by-user", "user");
        database.createObjectStore("photos", { keyPath: "key" });
        database.createObjectStore("kv");
      },
      blocking() {
        // A newer version of the app wants to upgrade the database: let it.
        opening.then((database) => database.close());
        opening = null;
      },
    });
  }
  return opening;
}

export async function getValue(key) {
  return (await db()).get("kv", key);
}

export async function setValue(key, value) {
  return (await db()).put("kv", value, key);
}

export async function deleteValue(key) {
  return (await db()).delete("kv", key);
}

export async function deleteValuesWithPrefix(prefix) {
  const database = await db();
  const range = IDBKeyRange.bound(prefix, prefix + "\uffff");
  const tx = database.transaction("kv", "readwrite");
  let cursor = await tx.store.openCursor(range);
  while (cursor) {
    await cursor.delete();
    cursor = await cursor.continue();
  }
  await tx.done;
}

/** Store a new report and its photos in one transaction. */
export async function addReport(item, photos) {
  const database = await db();
  const tx = database.transaction(["outbox", "photos"], "readwrite");
  const outbox = tx.objectStore("outbox");
  const store = tx.objectStore("photos");
  await Promise.all([outbox.add(item), ...photos.map((photo) => store.put(photo))]);
  await tx.done;
}

export async function getReport(id) {
  return (await db()).get("outbox", id);
}

export async function reportsOf(user) {
  const items = await (await db()).getAllFromIndex("outbox", "by-user", user);
  return items.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

/** Read-modify-write one report atomically; `change` returns the new record (or undefined: leave it). */
export async function updateReport(id, change) {
  const database = await db();
  const tx = database.transaction("outbox", "readwrite");
  const current = await tx.store.get(id);
  let next;
  if (current) {
    next = change(current);
    if (next) await tx.store.put(next);
  }
  await tx.done;
  return next || current;
}

export async function deleteReport(id) {
  const database = await db();
  const tx = database.transaction(["outbox", "photos"], "readwrite");
  const photos = tx.objectStore("photos");
  const keys = await photos.getAllKeys(IDBKeyRange.bound(`${id}/`, `${id}/\uffff`));
  await Promise.all([tx.objectStore("outbox").delete(id), ...keys.map((key) => photos.delete(key))]);
  await tx.done;
}

export async function getPhoto(key) {
  return (await db()).get("photos", key);
}

export async function deletePhoto(key) {
  return (await db()).delete("photos", key);
}

export async function photosOf(reportId) {
  return (await db()).getAll("photos", IDBKeyRange.bound(`${reportId}/`, `${reportId}/\uffff`));
}
