/** Usage errors, help, version and shell completion of the compiled binary (no NATS needed). */
import { beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { ajcBinary, type RunResult, runAjc } from "../helpers/binary.ts";
import { missingTools } from "../helpers/tools.ts";

// Each test runs the compiled binary a few times; a loaded machine needs more than the default 5s.
setDefaultTimeout(30_000);

beforeAll(() => {
  ajcBinary();
});

const USAGE_ERRORS: [string[], string][] = [
  [[], "name a command"],
  [["nope"], "Unknown argument: nope"],
  [["queue"], "name a queue subcommand"],
  [["task", "cron"], "name a cron subcommand"],
  [["queue", "add"], "Not enough non-option arguments: got 0, need at least 1"],
  [["task", "add", "only-type"], "Not enough non-option arguments: got 1, need at least 2"],
  [["task", "configure"], "Not enough non-option arguments"],
  [["queue", "ls", "--bogus"], "Unknown argument: bogus"],
  [["completion", "fish"], "Invalid values"],
];

// The runs are independent: start them all at once, then check each.
let runs: Map<string, Promise<RunResult>>;
beforeAll(() => {
  runs = new Map(USAGE_ERRORS.map(([args]) => [args.join(" "), runAjc(args)]));
});

test.each(USAGE_ERRORS)("ajc %p: usage on stderr, exit 2", async (args, message) => {
  const r = await runs.get(args.join(" "))!;
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toContain(`ajc: ${message}`);
  expect(r.stderr).toMatch(/^ajc /); // the usage comes first
  expect(r.stderr).not.toMatch(/\n\s+at /); // never a stack trace
});

test("--help prints usage on stdout, exit 0", async () => {
  const [top, sub] = await Promise.all([runAjc(["--help"]), runAjc(["queue", "add", "-h"])]);
  expect(top.code).toBe(0);
  expect(top.stdout).toContain("ajc queue");
  expect(top.stdout).toContain("ajc completion");
  expect(sub.code).toBe(0);
  expect(sub.stdout).toContain("--run-time");
  expect(sub.stderr).toBe("");
});

test("--version prints the package version", async () => {
  const { version } = await Bun.file(new URL("../../package.json", import.meta.url)).json();
  const r = await runAjc(["--version"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toStartWith(version);
});

test("completion prints bash and zsh scripts that ask ajc for candidates", async () => {
  const [bash, zsh] = await Promise.all([runAjc(["completion"]), runAjc(["completion", "zsh"])]);
  expect(bash.code).toBe(0);
  expect(bash.stdout).toContain("complete -o bashdefault -o default -F _ajc_completions ajc");
  expect(bash.stdout).toContain("ajc --get-yargs-completions");
  expect(zsh.stdout).toStartWith("#compdef ajc\n");
  expect(zsh.stdout).toContain("compdef _ajc_completions ajc");
});

test("the candidates come from the command definitions", async () => {
  const [top, task, cron, flags] = await Promise.all([
    runAjc(["--get-yargs-completions", "ajc", ""]),
    runAjc(["--get-yargs-completions", "ajc", "task", ""]),
    runAjc(["--get-yargs-completions", "ajc", "task", "cron", ""]),
    runAjc(["--get-yargs-completions", "ajc", "queue", "add", "--"]),
  ]);
  expect(top.stdout.split("\n")).toEqual(expect.arrayContaining(["info", "queue", "task", "completion"]));
  expect(task.stdout.split("\n")).toEqual(expect.arrayContaining(["add", "view", "ls", "watch", "cron"]));
  expect(cron.stdout.split("\n")).toEqual(expect.arrayContaining(["add", "ls", "view", "rm"]));
  expect(flags.stdout.split("\n")).toEqual(
    expect.arrayContaining(["--run-time", "--discard-old", "--server"]),
  );
});

test.skipIf(missingTools("bash"))("bash completion works end to end", async () => {
  const bin = ajcBinary();
  const script = `
    ajc() { "${bin}" "$@"; }
    eval "$(ajc completion)"
    COMP_WORDS=(ajc task cr); COMP_CWORD=2; _ajc_completions; echo "\${COMPREPLY[*]}"
    COMP_WORDS=(ajc queue add X --run); COMP_CWORD=4; _ajc_completions; echo "\${COMPREPLY[*]}"
  `;
  const r = Bun.spawnSync(["bash", "-c", script], { env: { PATH: process.env.PATH ?? "" } });
  expect(r.stdout.toString()).toBe("cron\n--run-time\n");
});
