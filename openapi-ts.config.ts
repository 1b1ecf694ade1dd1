import { defineConfig } from '@hey-api/openapi-ts';

// Generated from openapi.yaml by `npm run generate`; never edit generated/ by hand.
export default defineConfig({
  input: './openapi.yaml',
  output: { path: './generated/api' },
  plugins: [
    '@hey-api/typescript',
    '@hey-api/client-fetch',
    { name: '@hey-api/sdk', validator: 'zod' },
    // dates.offset: `format: date-time` is RFC 3339, so `+02:00` is as valid as `Z` (Bansky may send either).
    { name: 'zod', compatibilityVersion: 4, metadata: true, dates: { offset: true } },
  ],
});
