import { createPrisma } from '@gatewayz/db';
import { silentLogger } from '@gatewayz/logger';
import { AuditLog, type VerifyReport } from '../audit/audit-log';

/** `gw audit verify`: walks every hash chain; false (exit 1) when any was tampered with. */
export async function auditVerify(databaseUrl: string, out: (line: string) => void): Promise<{ ok: boolean; report: VerifyReport }> {
  const prisma = createPrisma({ url: databaseUrl, poolSize: 2 });
  try {
    const report = await new AuditLog(prisma, silentLogger()).verify();
    for (const c of report.chains) {
      out(`${c.severity.padEnd(8)} ${String(c.rows).padStart(8)} rows  ${c.ok ? 'ok' : `TAMPERED at ${c.problem!.seq}: ${c.problem!.message}`}`);
    }
    out(report.ok ? `audit log intact (${report.rows} rows verified)` : 'audit log FAILED verification');
    return { ok: report.ok, report };
  } finally {
    await prisma.$disconnect();
  }
}

/** `gw audit prune`: applies retention (the edge also does it every AUDIT_PRUNE_INTERVAL_MS). */
export async function auditPrune(databaseUrl: string, out: (line: string) => void): Promise<number> {
  const prisma = createPrisma({ url: databaseUrl, poolSize: 2 });
  try {
    const { deleted } = await new AuditLog(prisma, silentLogger()).prune();
    out(`retention: ${deleted} expired rows removed`);
    return deleted;
  } finally {
    await prisma.$disconnect();
  }
}
