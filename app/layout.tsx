import "./globals.css";
import type { ReactNode } from "react";

export const metadata = { title: "Churnwatch", description: "Customer health across HubSpot and Stripe" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
