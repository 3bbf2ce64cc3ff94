-- CreateEnum
CREATE TYPE "AuditSeverity" AS ENUM ('critical', 'high', 'medium', 'low');

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "rate_limit_rpm" INTEGER,
ADD COLUMN     "rate_limit_tokens_per_day" BIGINT,
ADD COLUMN     "rate_limit_tokens_per_month" BIGINT,
ADD COLUMN     "rate_limit_tpm" BIGINT,
ADD COLUMN     "rotated_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "last_login_at" TIMESTAMPTZ(3),
ADD COLUMN     "partner_code" TEXT,
ADD COLUMN     "plan" TEXT NOT NULL DEFAULT 'free',
ADD COLUMN     "plan_changed_at" TIMESTAMPTZ(3),
ADD COLUMN     "referral_code" TEXT;

-- CreateTable
CREATE TABLE "audit_logs" (
    "id" BIGSERIAL NOT NULL,
    "severity" "AuditSeverity" NOT NULL,
    "chain_seq" BIGINT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "event_type" TEXT NOT NULL,
    "actor_user_id" UUID,
    "actor_key_id" UUID,
    "subject_user_id" UUID,
    "target_type" TEXT,
    "target_id" TEXT,
    "ip" TEXT,
    "request_id" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "retain_until" TIMESTAMPTZ(3) NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_logs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_retention_policies" (
    "severity" "AuditSeverity" NOT NULL,
    "retention_days" INTEGER NOT NULL,

    CONSTRAINT "audit_retention_policies_pkey" PRIMARY KEY ("severity")
);

-- CreateTable
CREATE TABLE "audit_chain_heads" (
    "severity" "AuditSeverity" NOT NULL,
    "head_seq" BIGINT NOT NULL DEFAULT 0,
    "head_hash" TEXT NOT NULL,
    "anchor_seq" BIGINT NOT NULL DEFAULT 0,
    "anchor_hash" TEXT NOT NULL,

    CONSTRAINT "audit_chain_heads_pkey" PRIMARY KEY ("severity")
);

-- CreateTable
CREATE TABLE "admin_ip_allowlist" (
    "id" UUID NOT NULL,
    "cidr" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "admin_ip_allowlist_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity_outbox" (
    "id" BIGSERIAL NOT NULL,
    "subject" TEXT NOT NULL,
    "msg_id" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "identity_outbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "audit_logs_hash_key" ON "audit_logs"("hash");

-- CreateIndex
CREATE INDEX "audit_logs_subject_user_id_id_idx" ON "audit_logs"("subject_user_id", "id");

-- CreateIndex
CREATE INDEX "audit_logs_event_type_id_idx" ON "audit_logs"("event_type", "id");

-- CreateIndex
CREATE UNIQUE INDEX "audit_logs_severity_chain_seq_key" ON "audit_logs"("severity", "chain_seq");

-- CreateIndex
CREATE UNIQUE INDEX "admin_ip_allowlist_cidr_key" ON "admin_ip_allowlist"("cidr");

-- CreateIndex
CREATE INDEX "users_created_at_idx" ON "users"("created_at");

-- Audit retention by severity, as data: critical 7 years, high 3, medium 1, low 90 days.
INSERT INTO "audit_retention_policies" ("severity", "retention_days") VALUES
  ('critical', 2557), ('high', 1096), ('medium', 365), ('low', 90);

-- One hash chain per severity, starting from the genesis hash (64 zeros).
INSERT INTO "audit_chain_heads" ("severity", "head_hash", "anchor_hash")
SELECT s, repeat('0', 64), repeat('0', 64) FROM unnest(enum_range(NULL::"AuditSeverity")) AS s;

-- Append-only, enforced by the database: UPDATE and TRUNCATE are refused, and DELETE is
-- refused for a row whose retention has not ended (retention pruning is the only delete).
-- (The body is an E'' string with \x3B for each semicolon: Prisma's driver adapter splits
-- migration scripts on semicolons when it replays them into a shadow database.)
CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = ''DELETE'' THEN
    IF OLD.retain_until < now() THEN
      RETURN OLD\x3B
    END IF\x3B
  END IF\x3B
  RAISE EXCEPTION ''audit_logs is append-only: % refused'', TG_OP USING ERRCODE = ''insufficient_privilege''\x3B
END';

CREATE TRIGGER audit_logs_append_only_rows BEFORE UPDATE OR DELETE ON "audit_logs"
  FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();
CREATE TRIGGER audit_logs_append_only_truncate BEFORE TRUNCATE ON "audit_logs"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();
