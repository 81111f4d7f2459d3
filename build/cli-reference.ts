/**
 * Writes docs/cli.md, the CLI reference, from the yargs definitions, so it cannot drift from the code:
 * every command's `--help`, found by walking the command tree from `ajc --help`.
 *
 *   npx bun build/cli-reference.ts          rewrite docs/cli.md between the markers
 *   npx bun build/cli-reference.ts --check  exit 1 when docs/cli.md is stale
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliContext } from "../src/cli/context.ts";
import type { Io } from "../src/cli/io.ts";
import { buildParser } from "../src/cli/main.ts";

export const PAGE = join(import.meta.dir, "..", "docs", "cli.md");
export const BEGIN = "<!-- cli-reference: generated from the yargs definitions by build/cli-reference.ts -->";
export const END = "<!-- cli-reference: end -->";

/** A fixed width, so the text does not depend on the terminal the script runs in. */
const WIDTH = 100;

const silentIo: Io = { out() {}, err() {}, env: {}, interactive: false, ask: async () => "" };

/** The help text of `ajc PATH... --help`. */
export async function helpOf(path: string[]): Promise<string> {
  const argv = [...path, "--help"];
  const parser = buildParser(argv, new CliContext(silentIo)).wrap(WIDTH);
  let text = "";
  await parser.parseAsync(argv, {}, (_err, _argv, output) => {
    text = output;
  });
  return text.trimEnd();
}

/** The subcommand names a help text lists under "Commands:". */
function subcommands(help: string, path: string[]): string[] {
  const section = /\nCommands:\n([\s\S]*?)(?:\n\n|$)/.exec(help)?.[1] ?? "";
  const prefix = ["ajc", ...path].join(" ");
  const names: string[] = [];
  for (const line of section.split("\n")) {
    const rest = line.trim().startsWith(`${prefix} `) ? line.trim().slice(prefix.length + 1) : "";
    const name = rest.split(/\s+/)[0];
    if (name && /^[a-z][a-z-]*$/.test(name)) names.push(name);
  }
  return names;
}

/** The connection flags, --help and --version are shown once, at the top, not under every command. */
function withoutCommonOptions(help: string): string {
  return help
    .replace(/\nNATS connection:\n[\s\S]*?(\n\n|$)/, "$1")
    .split("\n")
    .filter((l) => !/^\s+(-V, --version|-h, --help)\s/.test(l))
    .join("\n")
    .replace(/\nOptions:(?=\n\n|\n?$)/, "")
    .replace(/\n{3,}/g, "\n\n")
    .trimEnd();
}

/** Every command's help as Markdown: a heading and a text block each, depth first. */
export async function renderReference(): Promise<string> {
  const parts: string[] = [];
  const visit = async (path: string[]) => {
    const help = await helpOf(path);
    const title = ["ajc", ...path].join(" ");
    parts.push(
      `### \`${title}\`\n\n\`\`\`text\n${path.length === 0 ? help : withoutCommonOptions(help)}\n\`\`\``,
    );
    for (const name of subcommands(help, path)) await visit([...path, name]);
  };
  await visit([]);
  return parts.join("\n\n");
}

/** The page with the reference between the markers replaced. */
export function splicePage(page: string, reference: string): string {
  const begin = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/cli.md needs the markers ${BEGIN} and ${END}`);
  return `${page.slice(0, begin + BEGIN.length)}\n\n${reference}\n\n${page.slice(end)}`;
}

if (import.meta.main) {
  const page = readFileSync(PAGE, "utf8");
  const next = splicePage(page, await renderReference());
  if (process.argv.includes("--check")) {
    if (next !== page) {
      console.error("docs/cli.md is stale: run npx bun build/cli-reference.ts");
      process.exit(1);
    }
  } else if (next !== page) {
    writeFileSync(PAGE, next);
    console.log("docs/cli.md: CLI reference updated");
  }
}
