-- CreateTable
CREATE TABLE "provider_credentials" (
    "provider_slug" TEXT NOT NULL,
    "api_key_encrypted" TEXT,
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "provider_credentials_pkey" PRIMARY KEY ("provider_slug")
);

-- AddForeignKey
ALTER TABLE "provider_credentials" ADD CONSTRAINT "provider_credentials_provider_slug_fkey" FOREIGN KEY ("provider_slug") REFERENCES "providers"("slug") ON DELETE CASCADE ON UPDATE CASCADE;
