-- CreateTable
CREATE TABLE "device_trust" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "device_trust_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "device_trust_user_id_idx" ON "device_trust"("user_id");

-- AddForeignKey
ALTER TABLE "device_trust" ADD CONSTRAINT "device_trust_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

