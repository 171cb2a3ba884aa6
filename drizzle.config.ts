import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` writes SQL migrations (with meta/) that openRegistry applies on open.
export default defineConfig({
  dialect: 'postgresql',
  schema: './libs/registry/src/schema.ts',
  out: './migrations',
});
