/** Contracts of the command palette's routes (issue 18): typed commands and the account search. */
import { z } from "zod";
import { defineRoute } from "../contract";

const ZUnderstood = z.object({
  kind: z.enum(["sync", "score_all", "push_scores", "retrain_model", "open_account", "list_accounts", "open_page", "unknown"]),
  summary: z.string().describe("What the parser understood, in words (shown before anything that writes runs)"),
  writes: z.boolean().describe("True for commands that start a job or change data: they need confirm=true and the admin role"),
  params: z.record(z.string(), z.unknown()).describe("The command's parameters, e.g. {provider: 'hubspot', full: false}"),
});

export const commandRoute = defineRoute({
  method: "POST", path: "/api/commands",
  summary: "Run a command typed in plain words (deterministic grammar: docs/commands.md). Write commands answer needs_confirmation until called again with confirm=true",
  tags: ["commands"],
  auth: { role: "csm" },
  maxBodyBytes: 4 * 1024,
  body: z.object({
    text: z.string().max(500, "is longer than any command (500 characters)").describe('e.g. "sync hubspot data", "show hubspot deals for acme", "critical accounts of Jane Doe"'),
    confirm: z.boolean().optional().describe("Run a write command (after showing `understood.summary` to the user)"),
  }).strict(),
  response: z.object({
    understood: ZUnderstood,
    status: z.enum(["needs_confirmation", "started", "navigate", "choose", "not_found", "not_understood"]),
    message: z.string(),
    href: z.string().nullable().describe("Console URL to open"),
    jobs: z.array(z.object({ id: z.string(), name: z.string(), status: z.string(), label: z.string(), href: z.string().describe("GET this for the job's progress") })),
    candidates: z.array(z.object({ account_id: z.string(), name: z.string(), domain: z.string().nullable(), matched_by: z.string(), href: z.string() })),
    preview: z.object({ total: z.number(), rows: z.array(z.record(z.string(), z.unknown())) }).nullable().describe("Up to 10 rows of what href shows"),
  }),
});

export const searchRoute = defineRoute({
  method: "GET", path: "/api/search", summary: "Find accounts by name, domain, HubSpot company id or Stripe customer id (the palette's search)", tags: ["commands"],
  auth: { role: "csm" },
  query: z.object({
    q: z.string().max(200).default("").describe("Search text; % _ and \\ match literally"),
    limit: z.coerce.number().int().min(1).max(25).default(8),
  }).strict(),
  response: z.object({
    data: z.array(z.object({
      account_id: z.string(), name: z.string(), domain: z.string().nullable(), health_score: z.number().nullable(),
      risk_level: z.enum(["healthy", "at_risk", "critical"]).nullable(), lifecycle_state: z.string().nullable(),
      matched_by: z.enum(["hubspot id", "stripe id", "name", "domain"]), href: z.string(),
    })),
  }),
});

export const commandRoutes = [commandRoute, searchRoute];
