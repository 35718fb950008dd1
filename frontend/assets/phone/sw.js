/* Service worker of the phone app. */
self.addEventListener("install", () => self.skipWaiting());
