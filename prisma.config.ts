// Prisma CLI configuration: the WebAssembly schema engine through a driver adapter, so `prisma migrate` and
// `prisma generate` need no native engine download. Migrations are authored against a throwaway PGlite database
// (`npm run migrate:new -- --name what`) unless MIGRATE_DATABASE_URL points at a PostgreSQL server.
import { defineConfig } from 'prisma/config';

// The 6.x schema validator insists on a datasource URL even though the adapter below is what connects.
process.env.DATABASE_URL ??= 'postgresql://unused.invalid/unused';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    const { PGlite } = await import('@electric-sql/pglite');
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    return new PrismaPGlite(new PGlite());
  },
});
