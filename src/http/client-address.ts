// A client's address as the load balancer or the socket gives it, and the key the per-IP rate
// limits count it under. Parsing and canonical IPv6 form come from the platform (node:net's isIP,
// the WHATWG URL parser), not from a hand-made grammar.
import { isIPv4, isIPv6 } from 'node:net'

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i

/**
 * The address in one X-Forwarded-For entry or from the socket, as text: `1.2.3.4:5678` and
 * `[2001:db8::1]:5678` (an ALB with `routing.http.xff_client_port.enabled` appends the client's port)
 * lose the port and brackets, and an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, what a dual-stack
 * socket reports for an IPv4 peer) becomes its IPv4 address. Anything else is returned trimmed, as given.
 */
export function clientAddress(entry: string): string {
  const value = entry.trim()
  let address = value
  if (value.startsWith('[')) {
    const close = value.indexOf(']')
    if (close !== -1) address = value.slice(1, close)
  } else {
    const colon = value.indexOf(':')
    // One colon: IPv4 with a port. IPv6 has at least two.
    if (colon !== -1 && value.indexOf(':', colon + 1) === -1) address = value.slice(0, colon)
  }
  const mapped = MAPPED_IPV4.exec(address)?.[1]
  if (mapped !== undefined && isIPv4(mapped)) return mapped
  return isIPv4(address) || isIPv6(address) ? address : value
}

/**
 * The key a client's requests are counted under by the per-IP limits: an IPv4 address as it is; an
 * IPv6 address cut to its first `ipv6PrefixBits` bits (e.g. `2001:db8:1:2::/64`), so one client
 * rotating through the addresses of its own network counts once (as express-rate-limit's
 * `ipv6Subnet` does). `ip` is what `clientAddress` returned; anything that is not an address is its own key.
 */
export function rateLimitKey(ip: string, ipv6PrefixBits: number): string {
  if (ipv6PrefixBits >= 128 || !isIPv6(ip)) return ip
  const groups = ipv6Groups(ip)
  // An IPv4-mapped address in hex form (::ffff:cb00:7107): masked, every IPv4 client would share ::/64.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`
  const masked = groups.map((group, i) => {
    const keep = Math.min(16, Math.max(0, ipv6PrefixBits - i * 16))
    return keep === 0 ? 0 : group & (0xffff << (16 - keep)) & 0xffff
  })
  return `${canonicalIpv6(masked)}/${ipv6PrefixBits}`
}

// The URL parser writes an IPv6 host in its canonical form (RFC 5952: lower case, the longest run of
// zero groups as ::, an embedded IPv4 tail in hex), which leaves only the :: to expand.
function ipv6Groups(ip: string): number[] {
  const host = new URL(`http://[${ip.replace(/%.*$/, '')}]/`).hostname.slice(1, -1)
  const [head = '', tail] = host.split('::')
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)))
  const front = parse(head)
  const back = tail === undefined ? [] : parse(tail)
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back]
}

const canonicalIpv6 = (groups: number[]): string =>
  new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1)

/**
 * The client's address: the right-most X-Forwarded-For entry (the one the load balancer appended;
 * the rest is client-controlled) when the proxy is trusted, else the socket's peer. Either one in
 * plain form (see `clientAddress`: no port, IPv4-mapped IPv6 as IPv4). The socket's address is asked
 * for only when that entry is not used (behind the ALB, never).
 */
export function clientIp(
  forwardedFor: string | null,
  socketIp: () => string | undefined,
  trustProxy: boolean,
): string | undefined {
  if (trustProxy && forwardedFor) {
    const last = forwardedFor.slice(forwardedFor.lastIndexOf(',') + 1).trim()
    if (last) return clientAddress(last)
  }
  const socket = socketIp()
  return socket === undefined ? undefined : clientAddress(socket)
}
