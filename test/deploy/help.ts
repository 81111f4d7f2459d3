/** `ajc … --help` run in-process, for tests that check documentation against the real flags. */
import type { Io } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";

/** The help text of `ajc ARGS --help`, or undefined when that command does not exist (yet). */
export async function helpOf(args: string[]): Promise<string | undefined> {
  let out = "";
  const io: Io = {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      out += `${t}\n`;
    },
    env: {},
    interactive: false,
    ask: async () => "",
  };
  const code = await main([...args, "--help"], io);
  // For an unknown command yargs prints the top-level help instead.
  return code === 0 && out.includes(`ajc ${args.join(" ")}`) ? out : undefined;
}

/** The `AJC_…` variables a help text names as `(env AJC_…)`. */
export function envNames(help: string): string[] {
  return [...help.matchAll(/\(env\s+(AJC_[A-Z0-9_]+)\)/g)].map((m) => m[1]!);
}
