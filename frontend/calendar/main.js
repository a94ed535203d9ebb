// The page's entry point. Vite's dev server serves files under its root (calendar/) by
// URL and the modules they import from anywhere in frontend/; the code itself is in
// src/calendar.ts, where `nox -s typescript` type-checks it.
import "../src/calendar.ts";
