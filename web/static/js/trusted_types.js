// Trusted Types (docs/web.md): where the browser enforces them (the CSP says
// require-trusted-types-for 'script'), no string can become HTML or script in these pages. The
// pages never need that, so the default policy has no createHTML/createScript at all (any such
// use throws) and lets through only the script URLs the pages load on purpose: the vendored
// player (and its worker) from this server, the notification service worker (/sw.js, registered
// by push.js), and Stripe.js.
function allowedScriptUrl(url) {
  const u = new URL(url, location.href);
  if (u.origin === location.origin) {
    return u.pathname.startsWith('/static/vendor/') || (u.pathname === '/sw.js' && !u.search);
  }
  return u.origin === 'https://js.stripe.com';
}

if (globalThis.trustedTypes?.createPolicy && !globalThis.trustedTypes.defaultPolicy) {
  globalThis.trustedTypes.createPolicy('default', {
    createScriptURL(url) {
      if (allowedScriptUrl(url)) return url;
      throw new TypeError(`script URL refused by the page's Trusted Types policy: ${url}`);
    },
  });
}
