// Walks the integration story of src/client.ts against a running example project:
// `node story.mjs http://127.0.0.1:8000` after `npm run build` (`nox -s typescript -- live`
// starts a server and runs it). Exits non-zero on the first call that goes wrong.
import { walkTheStory } from "./build/client.js";

const baseUrl = process.argv[2];
if (!baseUrl) {
  console.error("usage: node story.mjs BASE_URL");
  process.exit(2);
}
const suffix = Math.random().toString(16).slice(2, 10);
await walkTheStory(baseUrl, suffix);
console.log(`the story walked through ${baseUrl} (users tutor-${suffix}, student-${suffix})`);
