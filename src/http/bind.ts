/**
 * The listen address and the bind guard. The server authenticates nobody, so it listens on
 * loopback (127.0.0.0/8, ::1, localhost) unless the operator acknowledges a wider bind with
 * `--unsafe-bind` (fronted by an authenticating proxy) or turns on mTLS. Host names other than
 * `localhost` are refused outright: what they resolve to can change under the guard.
 */
import { isIP } from "node:net";
import { AjcError } from "../core/errors.ts";

/** The default listen address. */
export const DEFAULT_BIND = "127.0.0.1:8080";

/** A parsed `--bind`; an empty host means every interface. */
export interface BindAddress {
  host: string;
  port: number;
}

function bad(bind: string, why: string): AjcError {
  return new AjcError("invalid_argument", `invalid --bind ${JSON.stringify(bind)}: ${why}`, {
    field: "bind",
  });
}

/** Parses `host:port`, `[ipv6]:port` or `:port`. */
export function parseBind(bind: string): BindAddress {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(bind);
  if (!m) throw bad(bind, "expected host:port, [ipv6]:port or :port");
  const host = m[1] ?? m[2] ?? "";
  if (m[1] !== undefined && isIP(host) !== 6) throw bad(bind, "brackets must hold an IPv6 address");
  const port = Number(m[3]);
  if (port > 65535) throw bad(bind, "port must be 0-65535");
  return { host, port };
}

/** True for 127.0.0.0/8, ::1 (and IPv4-mapped 127/8) and `localhost`; false for "", 0.0.0.0, ::. */
export function isLoopback(host: string): boolean {
  if (host.toLowerCase() === "localhost") return true;
  const family = isIP(host);
  if (family === 4) return host.startsWith("127.");
  if (family !== 6) return false;
  // The URL parser puts IPv6 in canonical form, so every spelling of ::1 compares equal. It knows
  // no zone (`fe80::1%eth0`), which says nothing about loopback anyway: it is left out.
  const canonical = new URL(`http://[${host.replace(/%.*$/, "")}]/`).hostname;
  return canonical === "[::1]" || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/**
 * Applies the guard: a loopback bind passes; any other is refused unless mTLS is on or the
 * operator passed `--unsafe-bind` (then the returned warning is logged).
 */
export function guardBind(
  addr: BindAddress,
  opts: { unsafeBind: boolean; mtls: boolean },
): string | undefined {
  const { host } = addr;
  if (host !== "" && isIP(host) === 0 && host.toLowerCase() !== "localhost") {
    throw new AjcError(
      "invalid_argument",
      `refusing to bind to host name ${JSON.stringify(host)}: use an IP address (or localhost)`,
      { field: "bind" },
    );
  }
  if (isLoopback(host) || opts.mtls) return undefined;
  const shown = host === "" ? "all interfaces" : host;
  if (!opts.unsafeBind) {
    throw new AjcError(
      "invalid_argument",
      `refusing to listen on ${shown}, which is not loopback: the server does no authentication. ` +
        "Put an authenticating proxy in front and pass --unsafe-bind, or enable mTLS with " +
        "--tls-cert, --tls-key and --tls-client-ca",
      { field: "bind" },
    );
  }
  return `listening on ${shown} without authentication (--unsafe-bind): make sure a proxy in front authenticates clients`;
}

/** `host:port` for logs, with brackets around IPv6. */
export function formatAddress(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
