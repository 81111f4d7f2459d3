/** docs/cli.md, the CLI reference, is generated from the yargs definitions; this fails when it is stale. */
import { expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync } from "node:fs";
import { PAGE, renderReference, splicePage } from "../../build/cli-reference.ts";

// Each test runs the compiled binary a few times; a loaded machine needs more than the default 5s.
setDefaultTimeout(30_000);

test("docs/cli.md matches the commands (regenerate: npx bun build/cli-reference.ts)", async () => {
  const page = readFileSync(PAGE, "utf8");
  expect(splicePage(page, await renderReference())).toBe(page);
});

test("every command is in it, each with its own help", async () => {
  const reference = await renderReference();
  for (const cmd of [
    "ajc queue add",
    "ajc queue configure",
    "ajc task add",
    "ajc task watch",
    "ajc task cron add",
    "ajc completion",
  ]) {
    expect(reference).toContain(`### \`${cmd}\`\n\n\`\`\`text\n${cmd}`);
  }
  // The connection flags are shown once, for `ajc` itself.
  expect(reference.match(/NATS connection:/g)).toHaveLength(1);
});
