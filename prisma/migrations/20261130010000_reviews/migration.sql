-- CreateTable
CREATE TABLE "appeal" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "reason" TEXT NOT NULL,
    "reason_text" TEXT NOT NULL DEFAULT '',
    "unbind_roles" TEXT[],
    "organisation" TEXT NOT NULL,
    "contact_phone" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "reviewer_id" UUID,
    "reviewer_note" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "revision" INTEGER NOT NULL DEFAULT 1,
    "rebind_pending" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "appeal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "appeal_document" (
    "id" UUID NOT NULL,
    "appeal_id" UUID NOT NULL,
    "media_type" TEXT NOT NULL,
    "byte_size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "appeal_document_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "registry_record" (
    "id" UUID NOT NULL,
    "id_number_hash" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "school" TEXT NOT NULL,
    "grade" TEXT NOT NULL,
    "class_name" TEXT NOT NULL,
    "enrolment_year" INTEGER NOT NULL,
    "guardian_phone" TEXT NOT NULL,
    "imported_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "registry_record_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "identity_record" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "name" TEXT NOT NULL,
    "id_number_hash" TEXT NOT NULL,
    "id_number_hint" TEXT NOT NULL,
    "school" TEXT NOT NULL,
    "grade" TEXT NOT NULL,
    "class_name" TEXT NOT NULL,
    "enrolment_year" INTEGER NOT NULL,
    "guardian_name" TEXT NOT NULL,
    "guardian_phone" TEXT NOT NULL,
    "guardian_verified_at" TIMESTAMPTZ(3),
    "verified_by" TEXT,
    "reviewer_id" UUID,
    "reviewer_note" TEXT,
    "decided_at" TIMESTAMPTZ(3),
    "revision" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "identity_record_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reviewer_scope" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reviewer_scope_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "appeal_status_created_at_idx" ON "appeal"("status", "created_at");

-- CreateIndex
CREATE INDEX "appeal_user_id_idx" ON "appeal"("user_id");

-- CreateIndex
CREATE INDEX "appeal_document_appeal_id_idx" ON "appeal_document"("appeal_id");

-- CreateIndex
CREATE UNIQUE INDEX "registry_record_id_number_hash_key" ON "registry_record"("id_number_hash");

-- CreateIndex
CREATE INDEX "registry_record_school_grade_class_name_idx" ON "registry_record"("school", "grade", "class_name");

-- CreateIndex
CREATE UNIQUE INDEX "identity_record_user_id_key" ON "identity_record"("user_id");

-- CreateIndex
CREATE INDEX "identity_record_status_school_grade_class_name_idx" ON "identity_record"("status", "school", "grade", "class_name");

-- CreateIndex
CREATE UNIQUE INDEX "reviewer_scope_user_id_kind_value_key" ON "reviewer_scope"("user_id", "kind", "value");

-- AddForeignKey
ALTER TABLE "appeal" ADD CONSTRAINT "appeal_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "appeal_document" ADD CONSTRAINT "appeal_document_appeal_id_fkey" FOREIGN KEY ("appeal_id") REFERENCES "appeal"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "identity_record" ADD CONSTRAINT "identity_record_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviewer_scope" ADD CONSTRAINT "reviewer_scope_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

