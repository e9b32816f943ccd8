-- CreateTable
CREATE TABLE "factor" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "last_used_step" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "factor_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "factor_user_id_idx" ON "factor"("user_id");

-- AddForeignKey
ALTER TABLE "factor" ADD CONSTRAINT "factor_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

