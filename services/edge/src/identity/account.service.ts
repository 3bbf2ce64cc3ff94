import { create, toJson } from '@bufbuild/protobuf';
import type { Prisma, PrismaClient, Role } from '@gatewayz/db';
import { GatewayError, errors } from '@gatewayz/errors';
import { UserRegisteredSchema } from '@gatewayz/proto';
import type { AuditLog } from '../audit/audit-log';
import type { ApiKeyRepository } from '../auth/api-key.repository';
import { OutboxRelay, USER_REGISTERED_SUBJECT } from '../events/identity-outbox';
import type { Origin } from '../http/validate';
import { assertAcceptableEmail, normalizeEmail } from './email-policy';
import { hashPassword, verifyPassword } from './passwords';
import type { SessionTokens } from './session-tokens';

export interface UserView {
  id: string;
  email: string;
  role: Role;
  plan: string;
  created_at: string;
}

function userView(u: { id: string; email: string; role: Role; plan: string; createdAt: Date }): UserView {
  return { id: u.id, email: u.email, role: u.role, plan: u.plan, created_at: u.createdAt.toISOString() };
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
}

/**
 * Accounts: sign-up and login. A new account is a user (role user, plan free), its first API
 * key, an audit row and a UserRegistered event in the outbox, all in one transaction; billing
 * opens the trial from the event.
 */
export class AccountService {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      repository: ApiKeyRepository;
      audit: AuditLog;
      outbox: OutboxRelay;
      sessions: SessionTokens;
    },
  ) {}

  async register(
    input: { email: string; password: string; referral_code?: string; partner_code?: string },
    origin: Origin,
  ): Promise<{ user: UserView; key: { id: string; key: string; last4: string }; session: { token: string; expiresAt: Date } }> {
    const email = normalizeEmail(input.email);
    assertAcceptableEmail(email);
    const passwordHash = await hashPassword(input.password);
    const { prisma, repository, audit } = this.deps;
    let created;
    try {
      created = await prisma.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: { email, passwordHash, referralCode: input.referral_code ?? null, partnerCode: input.partner_code ?? null },
        });
        const key = await repository.createKey({ userId: user.id, name: 'default', environment: 'live' }, tx);
        await audit.record(
          {
            eventType: 'user.registered',
            actorUserId: user.id,
            subjectUserId: user.id,
            targetType: 'user',
            targetId: user.id,
            ip: origin.ip,
            requestId: origin.requestId,
            details: { first_key_id: key.id, referral_code: user.referralCode, partner_code: user.partnerCode },
          },
          tx,
        );
        const event = create(UserRegisteredSchema, {
          userId: user.id,
          email: user.email,
          referralCode: user.referralCode ?? '',
          partnerCode: user.partnerCode ?? '',
          occurredAtMs: BigInt(user.createdAt.getTime()),
        });
        await OutboxRelay.enqueue(tx, { subject: USER_REGISTERED_SUBJECT, msgId: user.id, payload: toJson(UserRegisteredSchema, event) as Prisma.InputJsonValue });
        return { user, key };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new GatewayError({ code: 'email_taken', status: 409, param: 'email', message: 'An account with this email already exists. Log in instead (POST /auth/login).' });
      throw err;
    }
    this.deps.outbox.kick();
    const session = await this.deps.sessions.issue(created.user.id);
    return { user: userView(created.user), key: { id: created.key.id, key: created.key.key, last4: created.key.last4 }, session };
  }

  async login(input: { email: string; password: string }, origin: Origin): Promise<{ user: UserView; session: { token: string; expiresAt: Date } }> {
    const email = normalizeEmail(input.email);
    const user = await this.deps.prisma.user.findUnique({ where: { email } });
    const ok = await verifyPassword(user?.passwordHash ?? null, input.password);
    if (!user || !ok || !user.isActive) {
      if (user) {
        this.deps.audit.recordSoon({ eventType: 'auth.login_failed', subjectUserId: user.id, targetType: 'user', targetId: user.id, ip: origin.ip, requestId: origin.requestId });
      }
      throw errors.unauthorized('Invalid email or password.', 'invalid_credentials');
    }
    await this.deps.prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
      await this.deps.audit.record({ eventType: 'auth.login', actorUserId: user.id, subjectUserId: user.id, targetType: 'user', targetId: user.id, ip: origin.ip, requestId: origin.requestId }, tx);
    });
    return { user: userView(user), session: await this.deps.sessions.issue(user.id) };
  }
}
