-- AlterTable
ALTER TABLE "appeal" ADD COLUMN     "locale" TEXT NOT NULL DEFAULT 'zh-CN';

