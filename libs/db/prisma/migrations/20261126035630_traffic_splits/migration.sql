-- CreateTable
CREATE TABLE "traffic_splits" (
    "model_id" TEXT NOT NULL,
    "sticky" BOOLEAN NOT NULL DEFAULT false,
    "updated_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "traffic_splits_pkey" PRIMARY KEY ("model_id")
);

-- CreateTable
CREATE TABLE "traffic_split_weights" (
    "model_id" TEXT NOT NULL,
    "provider_slug" TEXT NOT NULL,
    "weight" INTEGER NOT NULL,

    CONSTRAINT "traffic_split_weights_pkey" PRIMARY KEY ("model_id","provider_slug")
);

-- AddForeignKey
ALTER TABLE "traffic_split_weights" ADD CONSTRAINT "traffic_split_weights_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "traffic_splits"("model_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A weight is a positive share (Prisma cannot express CHECK constraints).
ALTER TABLE "traffic_split_weights" ADD CONSTRAINT "traffic_split_weights_weight_check" CHECK ("weight" BETWEEN 1 AND 1000);
