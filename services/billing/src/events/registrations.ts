import { partnerTrialTerms } from '@gatewayz/billing-ledger';
import type { PrismaClient } from '@gatewayz/db';
import type { Logger } from '@gatewayz/logger';
import type { UserRegistered } from '@gatewayz/proto';
import type { AccountsStore } from '../ledger/accounts';
import { applyTermsChange } from '../ledger/ledger-writer';
import { partnerTerms, type PartnersStore } from '../promotions/partners';
import type { ReferralsStore } from '../promotions/referrals';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * identity.user.registered → the account opens with the trial, or the partner's trial when the
 * sign-up carried a valid partner code, and the referral code (if any) is attached. Idempotent:
 * registered_at marks the event as applied. When the account was already opened lazily (the
 * user's first request beat the event), the partner trial replaces the standard one and the
 * referral is attached all the same.
 */
export class Registrations {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly accounts: AccountsStore,
    private readonly partners: PartnersStore,
    private readonly referrals: ReferralsStore,
    private readonly logger: Logger,
  ) {}

  async apply(event: UserRegistered): Promise<'applied' | 'duplicate' | 'skipped'> {
    if (!UUID.test(event.userId)) {
      this.logger.warn('UserRegistered with a malformed user id; skipped', { user_id: event.userId });
      return 'skipped';
    }
    const program = event.partnerCode ? await this.partners.get(event.partnerCode) : undefined;
    if (event.partnerCode && !program) this.logger.info('unknown partner code at registration; standard trial', { user_id: event.userId });
    const partner = program ? partnerTerms(program) : undefined;
    return this.prisma.$transaction(
      async (tx) => {
        const now = new Date();
        const { account, opened } = await this.accounts.openInTx(tx, { userId: event.userId, partner, now });
        if (account.registeredAt) return 'duplicate';
        if (!opened && partner) {
          const change = partnerTrialTerms({ catalog: this.accounts.plans, userId: event.userId, current: account, partner, now });
          if (change) await applyTermsChange(tx, { account, change, at: now, meta: { reason: `partner trial ${partner.code}` } });
        }
        if (event.referralCode) await this.referrals.attach(tx, { refereeId: event.userId, code: event.referralCode });
        await tx.$executeRaw`UPDATE billing_accounts SET registered_at = now() WHERE user_id = ${event.userId}::uuid`;
        return 'applied';
      },
      { maxWait: 10_000, timeout: 20_000 },
    );
  }
}
