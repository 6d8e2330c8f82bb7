import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native/driver packages stay as Node requires in the server bundle.
  serverExternalPackages: ["@libsql/client", "libsql", "@prisma/adapter-libsql", "@prisma/adapter-pg", "pg", "pino", "@hubspot/api-client", "stripe"],
  poweredByHeader: false,
};

export default nextConfig;
