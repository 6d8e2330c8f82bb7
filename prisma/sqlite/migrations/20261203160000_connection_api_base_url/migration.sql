-- Issue 18: a connection remembers the vendor API base URL it was made against (sandbox or vendor).
ALTER TABLE "Connection" ADD COLUMN "apiBaseUrl" TEXT;
