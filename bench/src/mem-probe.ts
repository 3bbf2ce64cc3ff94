import { createPrisma } from '@gatewayz/db';

/** RSS after: plain start, a raw query, a model query (diagnostics). */
async function main(): Promise<void> {
  const mb = () => Math.round(process.memoryUsage().rss / 1048576);
  const out: Record<string, number> = { start: mb() };
  const prisma = createPrisma({ url: process.env.DATABASE_URL!, poolSize: 2 });
  await prisma.$queryRaw`SELECT 1`;
  out.afterRaw = mb();
  await prisma.model.findMany();
  out.afterModelQuery = mb();
  await prisma.modelPrice.findMany();
  await prisma.provider.findMany();
  out.afterThreeQueries = mb();
  global.gc?.();
  out.afterGc = mb();
  const h = process.memoryUsage();
  out.heapUsed = Math.round(h.heapUsed / 1048576);
  out.external = Math.round(h.external / 1048576);
  out.arrayBuffers = Math.round(h.arrayBuffers / 1048576);
  process.stdout.write(`${JSON.stringify(out)}\n`);
  await prisma.$disconnect();
}
void main();
