/** zod's locales as the Worker bundle sees them: English only (scripts/build/worker.mjs says why). */
export { default as en } from 'zod/v4/locales/en.js';
