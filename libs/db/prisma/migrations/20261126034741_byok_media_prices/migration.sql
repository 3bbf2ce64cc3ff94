-- AlterTable
ALTER TABLE "model_prices" ADD COLUMN     "per_audio_second" BIGINT,
ADD COLUMN     "per_million_chars" BIGINT;

-- CreateTable
CREATE TABLE "user_provider_keys" (
    "user_id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "encrypted_key" TEXT NOT NULL,
    "last4" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "user_provider_keys_pkey" PRIMARY KEY ("user_id","provider")
);

-- AddForeignKey
ALTER TABLE "user_provider_keys" ADD CONSTRAINT "user_provider_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
