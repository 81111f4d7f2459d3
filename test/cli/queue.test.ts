/** `ajc queue ...` as a subprocess of the compiled binary against a private NATS server. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { type NatsServer, startNats } from "../helpers/nats.ts";
import { missingTools } from "../helpers/tools.ts";

// Each test runs the compiled binary a few times; a loaded machine needs more than the default 5s.
setDefaultTimeout(30_000);

let nats: NatsServer;
let env: Record<string, string>;
beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  env = { NATS_URL: nats.url };
});
afterAll(() => nats.close());

const ajc = (...args: string[]) => runAjc(args, { env });

test("add with the defaults, then info", async () => {
  const r = await ajc("queue", "add", "EMAIL");
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("EMAIL Work Queue:");
  expect(r.stdout).toMatch(/Max run time: 1h0m0s/);
  expect(r.stdout).toMatch(/Max concurrent: 100/);
  expect(r.stdout).toMatch(/Max tries: unlimited/);
  const info = await ajc("q", "info", "EMAIL", "--json");
  expect(info.code).toBe(0);
  expect(JSON.parse(info.stdout)).toMatchObject({
    name: "EMAIL",
    max_age: 0,
    max_entries: -1,
    discard_old: false,
    max_tries: -1,
    max_runtime: 3_600_000_000_000,
    max_concurrent: 100,
    memory: false,
    replicas: 1,
  });
});

test("new (alias) with every setting", async () => {
  const r = await ajc(
    "queues",
    "new",
    "TUNED",
    "--age=2h",
    "--entries=50",
    "--tries=3",
    "--run-time=90s",
    "--concurrent=4",
    "--memory",
    "--discard-old",
    "--replicas=1",
    "--json",
  );
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({
    max_age: 7_200_000_000_000,
    max_entries: 50,
    discard_old: true,
    max_tries: 3,
    max_runtime: 90_000_000_000,
    max_concurrent: 4,
    memory: true,
  });
});

test("adding an existing queue fails", async () => {
  const r = await ajc("queue", "add", "EMAIL");
  expect(r.code).toBe(1);
  expect(r.stderr).toBe("ajc: queue EMAIL already exists\n");
});

test("a bad duration or name is a one-line error, exit 1", async () => {
  const r = await ajc("queue", "add", "X", "--run-time", "soon");
  expect([r.code, r.stderr]).toEqual([1, 'ajc: time: invalid duration "soon"\n']);
  const bad = await ajc("queue", "add", "a.b");
  expect(bad.code).toBe(1);
  expect(bad.stderr).toStartWith("ajc: invalid queue name");
});

test("ls: an aligned table, and JSON", async () => {
  const r = await ajc("queue", "ls");
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^Name\s+Entries\s+Size\s+In flight/);
  expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["EMAIL", "TUNED"]);
  // Columns line up: every row has "Entries" values starting at the header's column.
  const col = lines[0]!.indexOf("Entries");
  for (const l of lines.slice(1)) expect(l[col - 1]).toBe(" ");
  const j = await ajc("queue", "list", "--json");
  expect(JSON.parse(j.stdout).map((q: { name: string }) => q.name)).toEqual(["EMAIL", "TUNED"]);
});

test("configure changes what is given and keeps the rest", async () => {
  const r = await ajc("queue", "configure", "TUNED", "--concurrent", "9", "--json");
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({
    max_concurrent: 9,
    max_tries: 3,
    max_runtime: 90_000_000_000,
    max_age: 7_200_000_000_000,
    discard_old: true,
  });
  const r2 = await ajc("queue", "config", "TUNED", "--tries", "-1", "--no-discard-old", "--age", "1m");
  expect(r2.code).toBe(0);
  expect(r2.stdout).toMatch(/Max tries: unlimited/);
  expect(r2.stdout).toMatch(/Discard old: false/);
  expect(r2.stdout).toMatch(/Max age: 1m0s/);
});

test("info of a missing queue", async () => {
  const r = await ajc("queue", "view", "NOPE");
  expect([r.code, r.stderr]).toEqual([1, "ajc: queue NOPE: not found\n"]);
});

test("purge and rm refuse without a terminal unless forced", async () => {
  await ajc("task", "add", "x", "{}", "-q", "EMAIL");
  const refused = await ajc("queue", "purge", "EMAIL");
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(
    /^ajc: Really purge all 1 entries from queue EMAIL: refusing without a terminal, pass -f to force\n$/,
  );
  expect(JSON.parse((await ajc("queue", "info", "EMAIL", "--json")).stdout).entries).toBe(1);

  const purged = await ajc("queue", "purge", "EMAIL", "-f");
  expect([purged.code, purged.stdout]).toEqual([0, "Queue EMAIL was purged\n"]);
  expect(JSON.parse((await ajc("queue", "info", "EMAIL", "--json")).stdout).entries).toBe(0);

  const kept = await ajc("queue", "rm", "TUNED");
  expect(kept.code).toBe(1);
  expect(kept.stderr).toContain("refusing without a terminal");
  const removed = await ajc("queue", "delete", "TUNED", "--force");
  expect([removed.code, removed.stdout]).toEqual([0, "Queue TUNED was removed\n"]);
  expect((await ajc("queue", "info", "TUNED")).code).toBe(1);
});

test("an empty list says so", async () => {
  await ajc("queue", "rm", "EMAIL", "-f");
  const r = await ajc("queue", "ls");
  expect([r.code, r.stdout]).toEqual([0, "No queues defined\n"]);
  expect((await ajc("queue", "ls", "--json")).stdout).toBe("[]\n");
});

test.skipIf(missingTools("script"))("on a terminal, rm asks and does what the answer says", async () => {
  await ajc("queue", "add", "ASKED");
  // `script` gives ajc a pseudo-terminal, so it asks instead of refusing.
  const run = async (answer: string) => {
    const proc = Bun.spawn(["script", "-qec", `${ajcBinary()} queue rm ASKED`, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "", ...env },
      stdin: new TextEncoder().encode(`${answer}\n`),
      stdout: "pipe",
    });
    const out = await new Response(proc.stdout).text();
    return { code: await proc.exited, out };
  };
  const no = await run("n");
  expect(no.out).toContain("Really delete queue ASKED with 0 entries [y/N]");
  expect(no.code).toBe(1);
  expect((await ajc("queue", "info", "ASKED")).code).toBe(0);
  const yes = await run("y");
  expect(yes.out).toContain("Queue ASKED was removed");
  expect(yes.code).toBe(0);
  expect((await ajc("queue", "info", "ASKED")).code).toBe(1);
});

test("more than 1 replica on a lone server is refused with the reason and what to change", async () => {
  const r = await ajc("queue", "add", "THREE", "--replicas", "3");
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain("more than 1 replica needs a JetStream cluster and this NATS server runs alone");
  expect(r.stderr).toContain("use fewer --replicas");
  expect((await ajc("queue", "info", "THREE")).code).not.toBe(0);
});
