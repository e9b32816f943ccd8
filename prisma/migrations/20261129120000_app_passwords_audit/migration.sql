-- CreateTable
CREATE TABLE "app_password" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "last_used_ip" TEXT,

    CONSTRAINT "app_password_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "auth_event" (
    "id" UUID NOT NULL,
    "user_id" UUID,
    "type" TEXT NOT NULL,
    "ip" TEXT,
    "user_agent" TEXT,
    "detail" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "auth_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "app_password_hash_key" ON "app_password"("hash");

-- CreateIndex
CREATE INDEX "app_password_user_id_idx" ON "app_password"("user_id");

-- CreateIndex
CREATE INDEX "auth_event_user_id_created_at_idx" ON "auth_event"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "auth_event_created_at_idx" ON "auth_event"("created_at");

-- AddForeignKey
ALTER TABLE "app_password" ADD CONSTRAINT "app_password_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

