import type { PrismaClient } from '@gatewayz/db';
import { lockAccounts } from './account-row';

/**
 * Releases reservations whose request never settled (the edge died mid-request, or its usage
 * event is lost beyond recovery) once they pass expires_at. Locks accounts before
 * reservations, like settlement and Authorize, so the three never deadlock. A usage event that
 * arrives later is still charged (settlement does not need the reservation).
 */
export async function sweepExpiredReservations(prisma: PrismaClient, limit = 500): Promise<number> {
  const due = await prisma.$queryRaw<{ request_id: string; user_id: string }[]>`
    SELECT request_id, user_id FROM billing_reservations WHERE status = 'held' AND expires_at <= now()
    ORDER BY expires_at LIMIT ${limit}`;
  if (due.length === 0) return 0;
  return prisma.$transaction(
    async (tx) => {
      await lockAccounts(tx, [...new Set(due.map((d) => d.user_id))].sort());
      const expired = await tx.$queryRaw<{ user_id: string; amount_micros: bigint }[]>`
        UPDATE billing_reservations SET status = 'expired', closed_at = now()
        WHERE request_id = ANY(${due.map((d) => d.request_id)}::text[]) AND status = 'held' AND expires_at <= now()
        RETURNING user_id, amount_micros`;
      const byUser = new Map<string, bigint>();
      for (const e of expired) byUser.set(e.user_id, (byUser.get(e.user_id) ?? 0n) + e.amount_micros);
      for (const [userId, amount] of byUser) {
        await tx.$executeRaw`
          UPDATE billing_accounts SET reserved_micros = GREATEST(reserved_micros - ${amount}, 0), updated_at = now()
          WHERE user_id = ${userId}::uuid`;
      }
      return expired.length;
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}
