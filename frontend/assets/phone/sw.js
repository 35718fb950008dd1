/* Service worker of the phone app (served at /phone/sw.js, scope /phone/).
 *
 * frontend/phone.py puts `self.GRIDGOV_OFFLINE` in front of this file: the version of the offline
 * copy (a digest of the files it holds, so a new build installs a new worker), the page's address,
 * the manifest's, and the static files to keep besides those the page links.
 *
 *   the page        network first (a new version arrives as soon as there is signal), the kept
 *                   copy when there is none or it takes too long; it is kept in the language it
 *                   was last fetched in
 *   static files    from the kept copy, else the network (and kept)
 *   everything else the API, map layers, photos, the websocket: straight to the network and never
 *                   kept here. The app keeps what it needs itself (IndexedDB), and drops it on sign-out.
 */
const OFFLINE = self.GRIDGOV_OFFLINE || { version: "dev", page: "/phone/", manifest: "", files: [], static: "/static/" };
const PREFIX = "gridgov-phone-";
const CACHE = PREFIX + OFFLINE.version;
const PAGE_TIMEOUT_MS = 4000;

function sameOrigin(url) {
  try {
    const parsed = new URL(url, self.location.href);
    return parsed.origin === self.location.origin ? parsed.pathname + parsed.search : null;
  } catch {
    return null;
  }
}

/** The scripts, style sheets, icons and manifest a page links. */
function linkedFiles(html) {
  const found = [];
  const pattern = /<(?:script|link)\b[^>]*?\s(?:src|href)=["']([^"']+)["'][^>]*>/gi;
  let match;
  while ((match = pattern.exec(html))) {
    const path = sameOrigin(match[1].replace(/&amp;/g, "&"));
    if (path) found.push(path);
  }
  return found;
}

async function keep(cache, url) {
  const response = await fetch(url, { cache: "no-cache", credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  await cache.put(url, response);
}

async function precache() {
  const cache = await caches.open(CACHE);
  const page = await fetch(OFFLINE.page, { cache: "no-cache", credentials: "same-origin" });
  if (!page.ok) throw new Error(`${OFFLINE.page}: ${page.status}`);
  const html = await page.clone().text();
  await cache.put(OFFLINE.page, page);
  const linked = linkedFiles(html).filter((path) => path.startsWith(OFFLINE.static) || path === OFFLINE.manifest);
  // What the page links is needed to open it; the rest (map images, icons) is worth having.
  await Promise.all([...new Set(linked)].map((url) => keep(cache, url)));
  const extra = [OFFLINE.manifest, ...OFFLINE.files].filter((url) => url && !linked.includes(url));
  await Promise.all([...new Set(extra)].map((url) => keep(cache, url).catch(() => undefined)));
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

function offlineAnswer() {
  return new Response("", { status: 503, statusText: "Offline" });
}

async function pageFirst(event) {
  const cache = await caches.open(CACHE);
  const network = fetch(event.request).then(async (response) => {
    if (response.ok && response.type === "basic") await cache.put(OFFLINE.page, response.clone());
    return response;
  });
  event.waitUntil(network.catch(() => undefined)); // a slow answer still refreshes the kept copy
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(resolve, PAGE_TIMEOUT_MS, null);
  });
  try {
    const response = await Promise.race([network, late]);
    if (response && response.status < 500) return response;
  } catch {
    /* no network: the kept copy */
  } finally {
    clearTimeout(timer);
  }
  const kept = await cache.match(OFFLINE.page, { ignoreSearch: true, ignoreVary: true });
  if (kept) return kept;
  return network.catch(() => offlineAnswer());
}

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch {
    return (await cache.match(key, { ignoreVary: true })) || offlineAnswer();
  }
}

async function keptFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) return kept;
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(request, response.clone());
    return response;
  } catch {
    return offlineAnswer();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return; // map tiles and the like: the browser's business
  if (url.pathname === OFFLINE.page) {
    event.respondWith(pageFirst(event));
  } else if (OFFLINE.manifest && url.pathname === OFFLINE.manifest) {
    event.respondWith(networkFirst(request, OFFLINE.manifest));
  } else if (url.pathname.startsWith(OFFLINE.static)) {
    event.respondWith(keptFirst(request));
  }
  // Anything else, the API above all, is not touched: it may carry personal data.
});
