/** `--monitor PORT|HOST:PORT` of `ajc task process`, `ajc task cron scheduler` and `ajc server run`. */
import { AjcError } from "../core/errors.ts";

/** Where to serve `/metrics`: no host means every interface. */
export interface MonitorAddress {
  host?: string;
  port: number;
}

/** `9102`, `127.0.0.1:9102` or `[::1]:9102`; anything else is an `invalid_argument`. */
export function parseMonitor(v: string): MonitorAddress {
  const m = /^(?:(.+):)?(\d{1,5})$/.exec(v.trim());
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) {
    throw new AjcError("invalid_argument", `--monitor must be PORT or HOST:PORT, not "${v}"`, {
      field: "monitor",
    });
  }
  return { host: m[1]?.replace(/^\[(.*)\]$/, "$1"), port };
}
