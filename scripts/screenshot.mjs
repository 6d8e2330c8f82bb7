// Screenshot pages of a running console in Debian's Chromium (the README's screenshot comes from the demo):
//   node scripts/screenshot.mjs http://localhost:3000 admin@churnwatch.local <password> docs/screenshot.png /accounts
// Signs in, opens the path (default "/"), saves a 1280-px wide PNG.
import { chromium } from "@playwright/test";

const [base, email, password, out = "docs/screenshot.png", path = "/", width = "1280"] = process.argv.slice(2);
if (!base || !email || !password) {
  console.error("usage: node scripts/screenshot.mjs BASE_URL EMAIL PASSWORD [OUT.png] [PATH] [WIDTH]");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: 860 } });
  await page.goto(`${base}/sign-in`);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${base}/`);
  await page.goto(`${base}${path}`);
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: out });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
}
