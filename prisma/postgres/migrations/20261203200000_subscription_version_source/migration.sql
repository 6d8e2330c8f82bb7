-- Reconstructed subscription versions (from invoice lines) are marked (issue 17, revenue history before the first sync).
ALTER TABLE "SubscriptionVersion" ADD COLUMN "source" TEXT;
