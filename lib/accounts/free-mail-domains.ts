/**
 * Free-mail and personal e-mail domains. A Stripe customer whose e-mail is on one of these domains
 * says nothing about the company it works for, so identity resolution NEVER matches it to a HubSpot
 * company by domain (issue 6, rule 2), and such a domain is never used as an account's domain.
 *
 * Two lists:
 * - `FREE_MAIL_DOMAINS`: exact domains (gmail.com, proton.me, …).
 * - `FREE_MAIL_FAMILIES`: providers that run the same service under many country domains
 *   (yahoo.co.uk, hotmail.fr, gmx.de, outlook.com.br, …). A domain is in a family when its first
 *   label is the family name and the rest looks like a public suffix (1-2 labels of ≤ 3 characters),
 *   so `yahoo.co.uk` matches but `outlook.acme.com` does not.
 *
 * Extend the lists freely; keep them lower-case and without `www.`.
 */

/** Exact free-mail / personal / ISP / disposable e-mail domains (lower-case). */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  // Google, Apple, Microsoft
  "gmail.com", "googlemail.com", "icloud.com", "me.com", "mac.com", "msn.com", "passport.com",
  // AOL / Yahoo variants that are not country domains
  "aol.com", "aim.com", "ymail.com", "rocketmail.com",
  // Privacy-focused
  "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com", "tutanota.de", "tuta.io",
  "tutamail.com", "hushmail.com", "duck.com", "fastmail.com", "fastmail.fm", "hey.com", "posteo.de",
  "posteo.net", "mailbox.org", "runbox.com", "startmail.com", "zohomail.com", "zohomail.eu",
  // Generic portals
  "mail.com", "email.com", "inbox.com", "usa.com", "post.com", "consultant.com", "europe.com",
  "mail.ru", "bk.ru", "inbox.ru", "list.ru", "rambler.ru", "ya.ru",
  "qq.com", "163.com", "126.com", "yeah.net", "sina.com", "sina.cn", "sohu.com", "aliyun.com", "foxmail.com",
  "naver.com", "hanmail.net", "daum.net", "nate.com", "kakao.com",
  "rediffmail.com", "seznam.cz", "email.cz", "centrum.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl",
  "web.de", "t-online.de", "freenet.de", "arcor.de", "online.de",
  "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "neuf.fr", "club-internet.fr",
  "libero.it", "virgilio.it", "tin.it", "alice.it", "tiscali.it",
  "terra.com.br", "uol.com.br", "bol.com.br", "ig.com.br",
  "btinternet.com", "sky.com", "virginmedia.com", "ntlworld.com", "blueyonder.co.uk", "talktalk.net",
  "comcast.net", "verizon.net", "att.net", "sbcglobal.net", "bellsouth.net", "cox.net", "charter.net",
  "earthlink.net", "optonline.net", "frontier.com", "juno.com", "netzero.net",
  "shaw.ca", "rogers.com", "sympatico.ca", "telus.net", "videotron.ca",
  "bigpond.com", "bigpond.net.au", "optusnet.com.au", "iinet.net.au", "xtra.co.nz",
  "bluewin.ch", "gmx.net", "online.no", "telia.com", "home.nl", "ziggo.nl", "planet.nl", "kpnmail.nl",
  "skynet.be", "telenet.be", "sapo.pt", "eircom.net",
  // Disposable
  "mailinator.com", "guerrillamail.com", "10minutemail.com", "temp-mail.org", "yopmail.com",
  "trashmail.com", "sharklasers.com", "getnada.com", "maildrop.cc", "dispostable.com",
]);

/** Providers with one free-mail service under many country domains (first label of the domain). */
export const FREE_MAIL_FAMILIES: ReadonlySet<string> = new Set([
  "gmail", "googlemail", "yahoo", "ymail", "hotmail", "outlook", "live", "windowslive", "aol", "gmx",
  "yandex", "protonmail",
]);

/**
 * True when `domain` (already normalised: lower-case, no `www.`) is a free-mail or personal domain.
 * @example isFreeMailDomain("gmail.com") // true
 * @example isFreeMailDomain("yahoo.co.uk") // true (family)
 * @example isFreeMailDomain("acme.com") // false
 */
export function isFreeMailDomain(domain: string): boolean {
  const d = domain.toLowerCase();
  if (FREE_MAIL_DOMAINS.has(d)) return true;
  const labels = d.split(".");
  if (labels.length < 2 || labels.length > 3) return false;
  const [first, ...suffix] = labels;
  return FREE_MAIL_FAMILIES.has(first) && suffix.every((l) => l.length > 0 && l.length <= 3);
}
