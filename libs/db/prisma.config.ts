// Prisma CLI configuration (generate, and migrate when authoring migrations). The product never
// runs the Prisma CLI at start: libs/db/src/migrate.ts applies prisma/migrations itself.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/gatewayz' },
});
