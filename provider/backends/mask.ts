/**
 * Masks the password in a backend URL so that it can go into messages, logs and state. A URL the
 * WHATWG parser reads gets its password (and a `password` query parameter) replaced by ***; one
 * it cannot read (a password with `/`, `#` or `?`) has everything between `://` and the last `@`
 * but the user name replaced, since the password may be anywhere in there.
 */
export function maskUrl(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*:\/\/)/i.exec(url)?.[1];
  if (!scheme) return url;
  // The user info runs to the LAST @ (that is how the URL parser and pg read it). Over-masking a
  // URL that has an @ only in its query is harmless; under-masking a password is not.
  const at = url.lastIndexOf("@");
  const userInfo = at > scheme.length ? url.slice(scheme.length, at) : "";
  const masked = userInfo.includes(":") ? `${scheme}${userInfo.split(":")[0]}:***${url.slice(at)}` : url;
  return masked.replace(/([?&]password=)[^&#]*/gi, "$1***");
}
