/**
 * A host as a socket connects to it: an IPv6 address without the brackets a URL and a Host header write it in
 * (`[::1]` → `::1`); any other host as it is.
 */
export const socketHostname = (host: string): string =>
  host.length > 1 && host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host
