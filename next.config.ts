import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native/driver packages stay as Node requires in the server bundle.
  serverExternalPackages: ["@libsql/client", "libsql", "@prisma/adapter-libsql", "@prisma/adapter-pg", "pg", "pino", "@hubspot/api-client", "stripe", "pg-boss"],
  poweredByHeader: false,
  // `next build` type-checks only what it ships (app/, components/, lib/); `npm test` runs tsc on everything.
  typescript: { tsconfigPath: "tsconfig.build.json" },
};

export default nextConfig;
