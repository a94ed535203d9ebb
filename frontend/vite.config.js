// The calendar page (calendar/index.html, src/calendar.ts): `npm run build:calendar`
// writes a static site to dist/calendar/ that bundles FullCalendar (no CDN), for any
// static server on its own origin (`nox -s frontend`, example_project/browser_tests).
import { defineConfig } from "vite";

export default defineConfig({
  root: "calendar",
  // Relative asset URLs: the built page works from any directory of any static server.
  base: "./",
  build: {
    outDir: "../dist/calendar",
    emptyOutDir: true,
  },
  server: { host: "127.0.0.1", port: 5173, strictPort: true },
});
