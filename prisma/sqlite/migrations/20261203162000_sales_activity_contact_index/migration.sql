-- Sales-activity scorecard (issue 17): the engagements of a contact (its job title changed → their days are rebuilt).
-- CreateIndex
CREATE INDEX "Engagement_connectionId_contactExternalId_idx" ON "Engagement"("connectionId", "contactExternalId");
