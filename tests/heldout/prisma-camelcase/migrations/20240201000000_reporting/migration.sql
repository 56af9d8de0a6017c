-- A hand-edited Prisma migration: a snapshot table built from a query.
CREATE TABLE "PostSnapshot" AS SELECT "id", "title", "createdAt", "updatedAt" FROM "Post";
ALTER TABLE "PostSnapshot" ADD CONSTRAINT "PostSnapshot_pkey" PRIMARY KEY ("id");
CREATE TABLE "DailyStats" AS SELECT date_trunc('day', "createdAt") AS day, count(*) AS posts FROM "Post" GROUP BY 1;

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "displayName" TEXT NOT NULL,
ADD COLUMN     "referrerId" TEXT,
ALTER COLUMN "updatedAt" SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE "User" ADD CONSTRAINT "User_referrerId_fkey" FOREIGN KEY ("referrerId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
