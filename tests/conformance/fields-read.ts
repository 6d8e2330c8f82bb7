/**
 * The fields the connectors read, per vendor type (CHECKED-IN LIST, kept by hand). A violation in one
 * of these fields — or in a parent of one (the object is missing or has the wrong type), or inside one
 * (a read object's own fields) — fails the conformance suite whatever the allowlist says (unless the
 * entry says "being fixed:"; see README.md).
 *
 * Sources (re-read them when a connector changes what it reads):
 * - Stripe: lib/connectors/stripe/map.ts (the zod schemas ZCustomer, ZSubscription, ZItem, ZPrice,
 *   ZProductRef, ZDiscount, ZCoupon, ZInvoice, ZCharge, ZEvent), sync.ts (list paging: `data`,
 *   `has_more`; products.retrieve → `name`), webhook.ts (event envelope, product names),
 *   connect.ts (`GET /v1/account`: id, business_profile.name, settings.dashboard.display_name, email).
 * - HubSpot: lib/connectors/hubspot/client.ts (ZRecord: id, properties, createdAt, updatedAt,
 *   archived; paging.next.after; search `total`; batch update `results[].id` and `errors[].message` /
 *   `context`; associations `from.id`, `to[].toObjectId`, paging; owners; property names/types/labels;
 *   token info hubId/hubDomain/scopes/expiresIn; token exchange access/refresh token, expires_in).
 *   mappers.ts reads record *properties* (strings), which the SDK types as `{[key]: string | null}`.
 *
 * Keys are anchor names (the vendor type a field belongs to; `*` matches any run of characters, e.g.
 * every `…Event` type); values are field paths inside it, array elements written `[]`.
 */
export const FIELDS_READ: Record<"stripe" | "hubspot", Record<string, string[]>> = {
  stripe: {
    "ApiList<*>": ["object", "data", "has_more"],
    Customer: ["id", "object", "deleted", "created", "email", "name", "currency", "metadata", "delinquent", "livemode", "description"],
    DeletedCustomer: ["id", "object", "deleted"],
    Subscription: [
      "id", "object", "customer", "status", "currency", "created", "start_date", "cancel_at_period_end", "cancel_at", "canceled_at",
      "ended_at", "trial_start", "trial_end", "collection_method", "default_payment_method", "discounts", "metadata",
      "items.data", "items.has_more",
      // pre-basil fallbacks (map.ts reads them when an event is rendered in an older version)
      "discount", "current_period_start", "current_period_end",
    ],
    SubscriptionItem: ["id", "price", "quantity", "current_period_start", "current_period_end"],
    Price: ["id", "currency", "unit_amount", "product", "recurring.interval", "recurring.interval_count", "recurring.usage_type"],
    Product: ["id", "name"],
    DeletedProduct: ["id", "deleted"],
    PaymentMethod: ["id", "type"],
    Discount: ["id", "source.coupon", "coupon"],
    Coupon: ["id", "percent_off", "amount_off", "currency", "duration"],
    Invoice: [
      "id", "object", "customer", "status", "currency", "created", "amount_due", "amount_paid", "amount_remaining", "attempt_count",
      "due_date", "collection_method", "billing_reason", "period_start", "period_end", "subscription",
      "parent.subscription_details.subscription", "status_transitions.paid_at",
    ],
    Charge: [
      "id", "object", "customer", "status", "amount", "amount_refunded", "currency", "created", "failure_code", "failure_message",
      "invoice", "payment_method_details.type",
    ],
    "*Event": ["id", "object", "type", "created", "account", "livemode", "api_version", "data.object"],
    Account: ["id", "business_profile.name", "settings.dashboard.display_name", "email"],
  },
  hubspot: {
    "CollectionResponse*": ["results", "paging", "total"],
    ForwardPaging: ["next"],
    Paging: ["next"],
    NextPage: ["after"],
    SimplePublicObject: ["id", "properties", "createdAt", "updatedAt", "archived"],
    SimplePublicObjectWithAssociations: ["id", "properties", "createdAt", "updatedAt", "archived"],
    "BatchResponseSimplePublicObject*": ["results", "errors"],
    StandardError: ["message", "context"],
    "BatchResponsePublicAssociationMulti*": ["results"],
    PublicAssociationMultiWithLabel: ["from", "to", "paging"],
    PublicObjectId: ["id"],
    MultiAssociatedObjectWithLabel: ["toObjectId"],
    PublicOwner: ["id", "email", "firstName", "lastName", "archived"],
    Property: ["name", "type", "label"],
    AccessTokenInfoResponse: ["hubId", "hubDomain", "scopes", "expiresIn"],
    TokenResponseIF: ["access_token", "refresh_token", "expires_in"],
  },
};

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^$()|[\]\\{}<>]/g, "\\$&").replace(/\*/g, ".*")}$`);
const compiled = Object.fromEntries(
  Object.entries(FIELDS_READ).map(([vendor, m]) => [vendor, Object.entries(m).map(([anchor, fields]) => ({ re: glob(anchor), fields }))]),
) as Record<"stripe" | "hubspot", { re: RegExp; fields: string[] }[]>;

/** Is `a` the same path as `b`, or a parent of it ("items" of "items.data[]")? */
const covers = (a: string, b: string) => a === b || b.startsWith(`${a}.`) || b.startsWith(`${a}[`);

/**
 * True when a violation at `field` of `anchor` touches a field the connectors read: the field itself,
 * a parent of it (e.g. the whole object is missing) or a child of it. "" = the object itself.
 */
export function isReadField(vendor: "stripe" | "hubspot", anchor: string, field: string): boolean {
  const name = anchor.split("@")[0]!;
  for (const { re, fields } of compiled[vendor]) {
    if (!re.test(name)) continue;
    if (field === "") return true;
    if (fields.some((f) => covers(f, field) || covers(field, f))) return true;
  }
  return false;
}
