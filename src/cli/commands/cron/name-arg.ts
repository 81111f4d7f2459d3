/** The `<name>` positional of the `ajc task cron` commands that act on one schedule. */
import type { Argv } from "yargs";

export function scheduleNameArg<T>(y: Argv<T>) {
  return y.positional("name", { type: "string", demandOption: true, describe: "schedule name" });
}
