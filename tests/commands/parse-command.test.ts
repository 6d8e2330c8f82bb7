// The command grammar (lib/commands/parse-command.ts), one row per phrasing: the seed's three commands
// (../shared/seeds/02-hubspot-prd.md "Natural Language Commands"), issue 18's examples, and the ways people
// type them. `now` is fixed: Thursday 2026-12-03 12:00 UTC (28.5 days left in December → 29 days).
import { describe, expect, it } from "vitest";
import { describeCommand, parseCommand, type ParsedCommand } from "@/lib/commands/parse-command";

const NOW = new Date(Date.UTC(2026, 11, 3, 12));

const CASES: [string, ParsedCommand][] = [
  // Seed 02: "Sync HubSpot data" → trigger sync
  ["Sync HubSpot data", { kind: "sync", provider: "hubspot", full: false }],
  ["sync hubspot", { kind: "sync", provider: "hubspot", full: false }],
  ["Please sync HubSpot data now.", { kind: "sync", provider: "hubspot", full: false }],
  ["can you sync hubspot?", { kind: "sync", provider: "hubspot", full: false }],
  ["full sync hubspot", { kind: "sync", provider: "hubspot", full: true }],
  ["resync Stripe", { kind: "sync", provider: "stripe", full: true }],
  ["re-sync stripe from scratch", { kind: "sync", provider: "stripe", full: true }],
  ["sync stripe", { kind: "sync", provider: "stripe", full: false }],
  ["run a full sync of stripe", { kind: "sync", provider: "stripe", full: true }],
  ["pull the latest data from HubSpot", { kind: "sync", provider: "hubspot", full: false }],
  ["refresh stripe data", { kind: "sync", provider: "stripe", full: false }],
  ["sync", { kind: "sync", provider: "all", full: false }],
  ["sync all connections", { kind: "sync", provider: "all", full: false }],
  ["/sync billing", { kind: "sync", provider: "stripe", full: false }],
  // Seed 02: "Update HubSpot with latest health scores" → push all scores
  ["Update HubSpot with latest health scores", { kind: "push_scores" }],
  ["push scores to hubspot", { kind: "push_scores" }],
  ["push health scores to HubSpot", { kind: "push_scores" }],
  ["write scores back to hubspot", { kind: "push_scores" }],
  ["send the health scores to hubspot please", { kind: "push_scores" }],
  ["sync scores to hubspot", { kind: "push_scores" }],
  // Score all accounts
  ["score all accounts", { kind: "score_all" }],
  ["score all", { kind: "score_all" }],
  ["rescore", { kind: "score_all" }],
  ["recalculate health scores", { kind: "score_all" }],
  ["refresh scores", { kind: "score_all" }],
  // Retrain the model
  ["retrain the model", { kind: "retrain_model" }],
  ["train churn model", { kind: "retrain_model" }],
  ["Retrain model", { kind: "retrain_model" }],
  // Seed 02: "Show HubSpot deals for [account]" → display deal info
  ["Show HubSpot deals for Acme", { kind: "open_account", section: "deals", accountQuery: "acme", provider: "hubspot" }],
  ["show deals for acme corp", { kind: "open_account", section: "deals", accountQuery: "acme corp" }],
  ["deals of acme_labs", { kind: "open_account", section: "deals", accountQuery: "acme_labs" }],
  ["open invoices of acme", { kind: "open_account", section: "invoices", accountQuery: "acme" }],
  ["show stripe invoices for acme.com", { kind: "open_account", section: "invoices", accountQuery: "acme.com", provider: "stripe" }],
  ["contacts at Globex", { kind: "open_account", section: "contacts", accountQuery: "globex" }],
  ["show me the contacts of the account \"Initech\"", { kind: "open_account", section: "contacts", accountQuery: "initech" }],
  ["acme's deals", { kind: "open_account", section: "deals", accountQuery: "acme" }],
  ["billing for cus_ABC123", { kind: "open_account", section: "invoices", accountQuery: "cus_abc123" }],
  // Issue 18: filtered account views
  ["which accounts renew this month and are at risk", { kind: "list_accounts", filter: { riskLevels: ["at_risk", "critical"], renewalWithinDays: 29 } }],
  ["critical accounts of Jane Doe", { kind: "list_accounts", filter: { riskLevels: ["critical"], ownerName: "jane doe" } }],
  ["at risk accounts", { kind: "list_accounts", filter: { riskLevels: ["at_risk", "critical"] } }],
  ["show critical accounts", { kind: "list_accounts", filter: { riskLevels: ["critical"] } }],
  ["accounts renewing in the next 30 days", { kind: "list_accounts", filter: { renewalWithinDays: 30 } }],
  ["customers up for renewal within 2 weeks", { kind: "list_accounts", filter: { renewalWithinDays: 14 } }],
  ["healthy accounts owned by bob", { kind: "list_accounts", filter: { riskLevels: ["healthy"], ownerName: "bob" } }],
  ["declining accounts", { kind: "list_accounts", filter: { trend: ["declining"] } }],
  ["churned customers", { kind: "list_accounts", filter: { lifecycle: ["churned"] } }],
  ["my critical accounts", { kind: "list_accounts", filter: { riskLevels: ["critical"], ownerIsMe: true } }],
  ["renewals this week", { kind: "list_accounts", filter: { renewalWithinDays: 4 } }],
  ["critical accounts renewing this quarter", { kind: "list_accounts", filter: { riskLevels: ["critical"], renewalWithinDays: 29 } }],
  // Pages
  ["go to integrations", { kind: "open_page", page: "integrations" }],
  ["open scoring settings", { kind: "open_page", page: "scoring" }],
  ["dashboard", { kind: "open_page", page: "dashboard" }],
  ["match review", { kind: "open_page", page: "matches" }],
  ["users", { kind: "open_page", page: "users" }],
  // One account
  ["open acme", { kind: "open_account", section: "overview", accountQuery: "acme" }],
  ["go to account Globex Corporation", { kind: "open_account", section: "overview", accountQuery: "globex corporation" }],
  // Not commands
  ["make me a coffee", { kind: "unknown", text: "make me a coffee" }],
  ["acme", { kind: "unknown", text: "acme" }],
  ["   ", { kind: "unknown", text: "" }],
];

describe("parseCommand: the grammar, one phrasing per row", () => {
  it(`has at least 40 phrasings (${CASES.length})`, () => expect(CASES.length).toBeGreaterThanOrEqual(40));
  it.each(CASES)("%s", (text, expected) => {
    expect(parseCommand(text, NOW)).toEqual(expected);
  });
});

describe("describeCommand: what the palette shows before anything runs", () => {
  it("names the provider and the mode of a sync", () => {
    expect(describeCommand(parseCommand("sync hubspot data", NOW))).toBe("Sync HubSpot (incremental: changes since the last sync)");
    expect(describeCommand(parseCommand("full resync of stripe", NOW))).toBe("Sync Stripe (full re-sync: re-read everything)");
  });
  it("spells out a filter", () => {
    expect(describeCommand(parseCommand("which accounts renew this month and are at risk", NOW)))
      .toBe("Show accounts: risk level at risk or critical · renewing within 29 days");
  });
  it("never throws on odd input", () => {
    for (const t of ["", "\u0000", "ß".repeat(10_000), "deals for", "sync sync sync", "'; drop table account; --"]) {
      expect(() => describeCommand(parseCommand(t, NOW))).not.toThrow();
    }
  });
});
