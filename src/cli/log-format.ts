/**
 * `--log-format text|json` (env `AJC_LOG_FORMAT`), the same on every long-running command:
 * `server run`, `task process` and `task cron scheduler`. Both forms come from the shared logger
 * (`src/core/log.ts`), so each command's lines look alike and name the same things the same way.
 */
import type { Argv } from "yargs";
import { AjcError } from "../core/errors.ts";
import { LOG_FORMATS, type LogFormat, type Logger } from "../core/log.ts";
import { envFlag } from "./config.ts";

export const LOG_FORMAT_DESCRIPTION = "log lines as text or json [default: text]";

/** Adds `--log-format`. */
export function logFormatFlag<T>(y: Argv<T>) {
  return y.option("log-format", {
    type: "string",
    choices: LOG_FORMATS,
    describe: `${LOG_FORMAT_DESCRIPTION} (env AJC_LOG_FORMAT)`,
  });
}

/** The flag's value, else the environment's, else `text`; anything else is refused. */
export function resolveLogFormat(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): LogFormat {
  const format = (flag ?? envFlag(env, "log-format") ?? "text") as LogFormat;
  if (!LOG_FORMATS.includes(format)) {
    throw new AjcError(
      "invalid_argument",
      `--log-format must be text or json, not ${JSON.stringify(format)}`,
      {
        field: "log-format",
      },
    );
  }
  return format;
}

/** NATS connection news (disconnected, reconnected) on a logger: a disconnect is a warning. */
export function natsLog(log: Pick<Logger, "info" | "warn">): (m: string) => void {
  return (m) => (m.includes("disconnected") ? log.warn(m) : log.info(m));
}
