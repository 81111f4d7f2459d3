/** `ajc task ...` as a subprocess of the compiled binary; state is set up and checked with the library. */
import { afterAll, beforeAll, describe, expect, onTestFinished, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ajcBinary, runAjc, spawnAjc } from "../helpers/binary.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

// Each test runs the compiled binary a few times; a loaded machine needs more than the default 5s.
setDefaultTimeout(30_000);

let t: TestEnv;
let env: Record<string, string>;
beforeAll(async () => {
  ajcBinary();
  t = await startTestEnv();
  env = { NATS_URL: t.nats.url };
  await t.client.createQueue({ name: "DEFAULT" });
  await t.client.createQueue({ name: "EMAIL" });
});
afterAll(() => t.close());

const ajc = (...args: string[]) => runAjc(args, { env });

/**
 * Resolves once a process subscribes to `subject` (the banner can come before its subscription
 * reaches the server): a request there fails with "no responders" until then, and times out after,
 * as the subscriber never answers (it ignores the empty message as not JSON).
 */
async function subscribed(subject: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const err = await t.client.storage.nc.request(subject, "", { timeout: 200 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!/no responders/.test(String(err))) return;
    if (Date.now() > deadline) throw new Error(`nothing subscribed to ${subject}`);
    await Bun.sleep(20);
  }
}
const enqueuedId = (stdout: string) => /^Enqueued task (\S+)$/m.exec(stdout)?.[1] ?? "";

describe("add", () => {
  test("into DEFAULT; the payload is stored as given", async () => {
    const r = await ajc("task", "add", "email:new", '{"to":"user@example.com"}');
    expect(r.code).toBe(0);
    const id = enqueuedId(r.stdout);
    const task = await t.client.loadTask(id);
    expect(task).toMatchObject({
      type: "email:new",
      queue: "DEFAULT",
      state: "new",
      max_tries: 10,
      tries: 0,
    });
    expect(Buffer.from(task.payload!, "base64").toString()).toBe('{"to":"user@example.com"}');
    expect((await t.client.queueInfo("DEFAULT")).entries).toBeGreaterThanOrEqual(1);
  });

  test("with -q, deadline, tries, dependencies and --json", async () => {
    const before = Date.now();
    const r = await ajc(
      "t",
      "add",
      "x",
      "p",
      "-q",
      "EMAIL",
      "--deadline",
      "1h",
      "--tries",
      "3",
      "--depends",
      "a,b",
      "--depends",
      "c",
      "--load",
      "--json",
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual([
      "id",
      "type",
      "queue",
      "dependencies",
      "load_dependencies",
      "payload",
      "deadline",
      "max_tries",
      "state",
      "created",
      "tries",
    ]);
    expect(out).toMatchObject({
      queue: "EMAIL",
      dependencies: ["a", "b", "c"],
      load_dependencies: true,
      max_tries: 3,
      state: "blocked",
      payload: "cA==",
    });
    const deadline = Date.parse(out.deadline);
    expect(deadline).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1000);
    expect(await t.client.loadTask(out.id)).toMatchObject({ queue: "EMAIL", state: "blocked" });
  });

  test("into a queue that does not exist: nothing is stored, a hint is given", async () => {
    const before = await t.client.countTasks();
    const r = await ajc("task", "enqueue", "x", "p", "-q", "MISSING");
    expect([r.code, r.stderr]).toEqual([
      1,
      "ajc: queue MISSING does not exist, create it with: ajc queue add MISSING\n",
    ]);
    expect(await t.client.countTasks()).toBe(before);
  });

  test("bad type, bad deadline", async () => {
    const [type, deadline, negative] = await Promise.all([
      ajc("task", "add", "a b", "p"),
      ajc("task", "add", "x", "p", "--deadline", "tomorrow"),
      ajc("task", "add", "x", "p", "--deadline=-1m"),
    ]);
    expect(type.code).toBe(1);
    expect(type.stderr).toStartWith('ajc: invalid task type "a b"');
    expect([deadline.code, deadline.stderr]).toEqual([1, 'ajc: time: invalid duration "tomorrow"\n']);
    expect([negative.code, negative.stderr]).toEqual([1, "ajc: --deadline must be a positive duration\n"]);
  });
});

describe("view, ls, retry, rm", () => {
  let id: string;
  beforeAll(async () => {
    const task = t.client.newTask("report:run", Buffer.from("hello").toString("base64"));
    await t.client.enqueue(task, "EMAIL");
    id = task.id;
  });

  test("view: key/value lines, and the task JSON", async () => {
    const [human, json] = await Promise.all([ajc("task", "view", id), ajc("task", "show", id, "--json")]);
    expect(human.code).toBe(0);
    expect(human.stdout).toStartWith(`Task ${id} created at `);
    expect(human.stdout).toMatch(/\n {3}Type: report:run\n/);
    expect(human.stdout).toMatch(/State: new\n/);
    expect(human.stdout).toMatch(/Payload: 5 B\n/);
    expect(human.stdout).toMatch(/Tries: 0 of 10\n/);
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(await t.client.loadTask(id))));
  });

  test("view of a missing task", async () => {
    const r = await ajc("task", "view", "NOPE");
    expect([r.code, r.stderr]).toEqual([1, "ajc: task not found: NOPE\n"]);
  });

  test("ls: a count line, then an aligned table; a limit; JSON", async () => {
    const total = await t.client.countTasks();
    const [all, one, json, bad] = await Promise.all([
      ajc("task", "ls"),
      ajc("tasks", "list", "1"),
      ajc("task", "ls", "--json"),
      ajc("task", "ls", "0"),
    ]);
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`${total} tasks`);
    expect(lines[2]).toMatch(/^ID\s+Type\s+Created\s+State\s+Queue\s+Tries$/);
    expect(lines).toHaveLength(3 + total);
    expect(one.stdout.split("\n")[0]).toBe(`1 of ${total} tasks`);
    expect(one.stdout.trimEnd().split("\n")).toHaveLength(4);
    const listed = JSON.parse(json.stdout);
    expect(listed).toHaveLength(total);
    expect(listed.map((x: { id: string }) => x.id)).toContain(id);
    expect([bad.code, bad.stderr]).toEqual([1, "ajc: limit must be a positive integer\n"]);
  });

  test("retry: state retry, into its own queue", async () => {
    const r = await ajc("task", "retry", id);
    expect([r.code, r.stdout]).toEqual([0, `Retried task ${id} in queue EMAIL\n`]);
    expect(await t.client.loadTask(id)).toMatchObject({ state: "retry", queue: "EMAIL" });
  });

  test("rm refuses without a terminal unless forced", async () => {
    const refused = await ajc("task", "rm", id);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `ajc: Really remove task ${id} (work queue entries are not removed): refusing without a terminal, pass -f to force\n`,
    );
    await t.client.loadTask(id);
    const removed = await ajc("task", "delete", id, "-f");
    expect([removed.code, removed.stdout]).toEqual([0, `Removed task ${id}\n`]);
    await expect(t.client.loadTask(id)).rejects.toMatchObject({ reason: "task_not_found" });
    expect((await ajc("task", "rm", id, "-f")).stderr).toBe(`ajc: task not found: ${id}\n`);
  });
});

describe("signatures", () => {
  // RFC 8032 test 1 key pair.
  const seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
  const pub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
  const otherPub = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";

  test("--sign with an inline seed; --verify with a key file; a wrong key fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ajc-keys-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "pub.hex"), `${pub}\n`);
    const r = await ajc("task", "add", "signed", "p", "--sign", seed, "--json");
    expect(r.code).toBe(0);
    const task = JSON.parse(r.stdout);
    expect(task.signature).toMatch(/^[0-9a-f]{128}$/);
    const [ok, wrong, unsigned] = await Promise.all([
      ajc("task", "view", task.id, "--verify", join(dir, "pub.hex")),
      ajc("task", "view", task.id, "--verify", otherPub),
      ajc("task", "add", "x", "p", "--verify", pub),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Signed: yes/);
    expect([wrong.code, wrong.stderr]).toEqual([1, `ajc: task ${task.id} has an invalid signature\n`]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toMatch(/^ajc: task \S+ is not signed\n$/);
  });

  test("a key that is neither hex nor a readable file", async () => {
    const r = await ajc("task", "add", "x", "p", "--sign", "/nonexistent/key");
    expect([r.code, r.stderr]).toEqual([
      1,
      "ajc: --sign: not a hex key and not a readable file: /nonexistent/key\n",
    ]);
  });
});

describe("store administration", () => {
  test("initialize shows the store; other settings on an existing one are reported", async () => {
    const r = await ajc("task", "initialize", "--retention", "1h");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Tasks Storage:");
    expect(r.stderr).toContain("already exists with other settings");
  });

  test("configure RETENTION [REPLICAS]", async () => {
    const r = await ajc("task", "configure", "24h", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ retentionNs: 86_400_000_000_000, replicas: 1 });
    const r2 = await ajc("task", "config", "0s", "1");
    expect(r2.stdout).toMatch(/Retention: forever/);
    const bad = await ajc("task", "configure", "1h", "9");
    expect([bad.code, bad.stderr]).toEqual([1, "ajc: replicas must be between 1 and 5\n"]);
  });

  test("purge refuses without a terminal unless forced", async () => {
    const count = await t.client.countTasks();
    expect(count).toBeGreaterThan(0);
    const refused = await ajc("task", "purge");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Really purge the task store of ${count} tasks`);
    expect(await t.client.countTasks()).toBe(count);
    const purged = await ajc("task", "purge", "-f");
    expect([purged.code, purged.stdout]).toEqual([0, `Purged ${count} tasks\n`]);
    expect(await t.client.countTasks()).toBe(0);
    expect((await ajc("task", "ls")).stdout).toBe("0 tasks\n");
  });
});

test("watch prints lifecycle events as they happen until interrupted", async () => {
  const watch = spawnAjc(["task", "watch"], { env });
  const json = spawnAjc(["task", "watch", "--json"], { env });
  try {
    await watch.waitFor("Watching all events");
    await json.waitFor("Watching all events");
    let task = t.client.newTask("watched", null);
    // The subscription may reach the server just after the banner: enqueue until an event shows.
    for (let i = 0; i < 20 && !watch.output().includes(task.id); i++) {
      task = t.client.newTask("watched", null);
      await t.client.enqueue(task, "EMAIL");
      await Bun.sleep(100);
    }
    await watch.waitFor(
      new RegExp(`\\[\\d\\d:\\d\\d:\\d\\d\\] ${task.id}: queue: EMAIL type: watched tries: 0 state: new`),
    );
    await json.waitFor(task.id);
    const line = json
      .output()
      .split("\n")
      .find((l) => l.includes(task.id))!;
    expect(JSON.parse(line)).toMatchObject({
      type: "io.choria.asyncjobs.v1.task_state",
      task_id: task.id,
      state: "new",
    });
  } finally {
    expect(await watch.stop("SIGINT")).toBe(0);
    expect(await json.stop("SIGTERM")).toBe(0);
  }
});

test("watch --task shows only that task", async () => {
  const mine = t.client.newTask("mine", null);
  const watch = spawnAjc(["task", "watch", "--task", mine.id], { env });
  try {
    await watch.waitFor(`Watching task ${mine.id} events`);
    await subscribed(`CHORIA_AJ.E.task_state.${mine.id}`);
    await t.client.enqueue(t.client.newTask("other", null), "EMAIL");
    await t.client.enqueue(mine, "EMAIL");
    await watch.waitFor(`${mine.id}: queue: EMAIL type: mine`);
    expect(watch.output()).not.toContain("type: other");
  } finally {
    await watch.stop("SIGINT");
  }
});
