// Bundles the faces' sources (frontend/assets/: phone, mediator, wall, the home page's live events,
// and common/, which they share) and the npm packages they import into
// frontend/static/frontend/build/, where Django's staticfiles finds them.
//
//   node frontend/build.mjs            one build (./dev runs it)
//   node frontend/build.mjs --watch    rebuild on change while developing
//
// Leaflet itself comes from django-leaflet ({% leaflet_js %}) as the global `L`; the plugins
// bundled here (leaflet.markercluster) attach themselves to that global.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const watch = process.argv.includes("--watch");

const options = {
  absWorkingDir: here,
  entryPoints: {
    home: "assets/home/main.js",
    phone: "assets/phone/main.js",
    "phone-sw": "assets/phone/sw.js",
    mediator: "assets/mediator/main.js",
    wall: "assets/wall/main.js",
    ledgers: "assets/ledgers/main.js",
    assessment: "assets/assessment/main.js",
    warnings: "assets/warnings/main.js",
    resident: "assets/resident/main.js",
    desk: "assets/desk/main.js",
  },
  outdir: "static/frontend/build",
  bundle: true,
  format: "iife",
  // Safari before 14.1 mishandles some destructuring, which esbuild then refuses to lower.
  target: ["es2019", "chrome80", "safari14.1"],
  minify: !watch,
  sourcemap: true,
  legalComments: "linked",
  loader: { ".png": "file", ".svg": "file" },
  logLevel: process.argv.includes("--quiet") ? "warning" : "info",
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
