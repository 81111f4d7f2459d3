/** Flag groups shared by commands, as yargs builder functions. */
import type { Argv } from "yargs";

/** The NATS connection flags, on every command (like the `nats` CLI). */
export function natsFlags<T>(y: Argv<T>) {
  return y
    .option("server", {
      alias: "s",
      type: "string",
      describe: "NATS server URLs, comma separated (env NATS_URL)",
      global: true,
    })
    .option("context", {
      type: "string",
      describe: "NATS CLI context to use (env NATS_CONTEXT; else AJC when it exists, as the Go ajc)",
      global: true,
    })
    .option("creds", { type: "string", describe: "NATS credentials file", global: true })
    .option("nkey", { type: "string", describe: "file holding an NKey seed", global: true })
    .option("user", { type: "string", describe: "NATS user name", global: true })
    .option("password", { type: "string", describe: "NATS password", global: true })
    .option("tlscert", { type: "string", describe: "TLS client certificate for NATS", global: true })
    .option("tlskey", { type: "string", describe: "TLS client key for NATS", global: true })
    .option("tlsca", { type: "string", describe: "TLS CA to verify the NATS server", global: true })
    .group(
      ["server", "context", "creds", "nkey", "user", "password", "tlscert", "tlskey", "tlsca"],
      "NATS connection:",
    );
}

/** `--json` for machine output. */
export function jsonFlag<T>(y: Argv<T>) {
  return y.option("json", { type: "boolean", default: false, describe: "machine readable JSON output" });
}

/** `-f/--force` for destructive commands. */
export function forceFlag<T>(y: Argv<T>) {
  return y.option("force", {
    alias: "f",
    type: "boolean",
    default: false,
    describe: "do not ask for confirmation",
  });
}
