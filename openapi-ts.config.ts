import { defineConfig } from '@hey-api/openapi-ts';

// Generated from openapi.yaml by `npm run generate`; never edit generated/ by hand.
export default defineConfig({
  input: './openapi.yaml',
  output: { path: './generated/api' },
  plugins: [
    '@hey-api/typescript',
    '@hey-api/client-fetch',
    { name: '@hey-api/sdk', validator: 'zod' },
    { name: 'zod', compatibilityVersion: 4, metadata: true },
  ],
});
