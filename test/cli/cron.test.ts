/** `ajc task cron ...` as a subprocess of the compiled binary. */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { ajcBinary, runAjc } from "../helpers/binary.ts";
import { startTestEnv, type TestEnv } from "../helpers/client.ts";

// Each test runs the compiled binary a few times; a loaded machine needs more than the default 5s.
setDefaultTimeout(30_000);

let t: TestEnv;
let env: Record<string, string>;
beforeAll(async () => {
  ajcBinary();
  t = await startTestEnv();
  env = { NATS_URL: t.nats.url };
  await t.client.createQueue({ name: "REPORTS" });
});
afterAll(() => t.close());

const ajc = (...args: string[]) => runAjc(args, { env });

test("add turns shorthands into cron descriptors and stores Go's schedule JSON", async () => {
  const [daily, every] = await Promise.all([
    ajc(
      "task",
      "cron",
      "add",
      "nightly",
      "daily",
      "report:run",
      "--payload",
      '{"x":1}',
      "-q",
      "REPORTS",
      "--deadline",
      "1h",
      "--tries",
      "5",
    ),
    ajc("t", "c", "new", "often", "every 5m", "ping", "--json"),
  ]);
  expect(daily.code).toBe(0);
  expect(daily.stderr).toBe("");
  expect(daily.stdout).toStartWith("Scheduled task nightly created at ");
  expect(daily.stdout).toMatch(/Schedule: @daily\n/);
  expect(await t.client.loadSchedule("nightly")).toMatchObject({
    schedule: "@daily",
    queue: "REPORTS",
    task_type: "report:run",
    payload: Buffer.from('{"x":1}').toString("base64"),
    deadline: 3_600_000_000_000,
    max_tries: 5,
  });
  expect(every.code).toBe(0);
  const out = JSON.parse(every.stdout);
  expect(Object.keys(out)).toEqual([
    "name",
    "schedule",
    "queue",
    "task_type",
    "payload",
    "max_tries",
    "created_at",
  ]);
  expect(out).toMatchObject({
    name: "often",
    schedule: "@every 5m",
    queue: "DEFAULT",
    payload: null,
    max_tries: 10,
  });
  // DEFAULT does not exist: stored anyway, with a warning.
  expect(every.stderr).toBe(
    "Warning: queue DEFAULT does not exist yet; create it with: ajc queue add DEFAULT\n",
  );
});

test("add refuses invalid cron, a short deadline and a duplicate name", async () => {
  const [fields, tz, short, dup] = await Promise.all([
    ajc("task", "cron", "add", "bad", "* * * *", "x"),
    ajc("task", "cron", "add", "badtz", "CRON_TZ=Nowhere/City 0 9 * * *", "x"),
    ajc("task", "cron", "add", "short", "@hourly", "x", "--deadline", "10s"),
    ajc("task", "cron", "add", "nightly", "@hourly", "x"),
  ]);
  expect([fields.code, fields.stderr]).toEqual([
    1,
    'ajc: invalid schedule "* * * *": expected five fields or a descriptor\n',
  ]);
  expect(tz.code).toBe(1);
  expect(tz.stderr).toStartWith('ajc: invalid schedule "CRON_TZ=Nowhere/City 0 9 * * *"');
  expect([short.code, short.stderr]).toEqual([1, "ajc: deadline too short: at least 30s\n"]);
  expect([dup.code, dup.stderr]).toEqual([1, "ajc: schedule nightly already exists\n"]);
  expect((await t.client.listSchedules()).map((s) => s.name)).toEqual(["nightly", "often"]);
});

test("ls: table, --names, --json", async () => {
  const [table, names, json] = await Promise.all([
    ajc("task", "cron", "ls"),
    ajc("task", "cron", "list", "--names"),
    ajc("task", "cron", "ls", "--json"),
  ]);
  const lines = table.stdout.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^Name\s+Schedule\s+Queue\s+Task type\s+Created$/);
  expect(lines[1]).toMatch(/^nightly\s+@daily\s+REPORTS\s+report:run\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  expect(lines[2]).toMatch(/^often\s+@every 5m\s+DEFAULT\s+ping/);
  expect(lines[1]!.indexOf("@daily")).toBe(lines[2]!.indexOf("@every"));
  expect(names.stdout).toBe("nightly\noften\n");
  expect(JSON.parse(json.stdout).map((s: { name: string }) => s.name)).toEqual(["nightly", "often"]);
});

test("view: details and JSON; a missing one", async () => {
  const [human, json, missing] = await Promise.all([
    ajc("task", "cron", "view", "nightly"),
    ajc("task", "cron", "show", "nightly", "--json"),
    ajc("task", "cron", "view", "nope"),
  ]);
  expect(human.stdout).toMatch(/Deadline: 1h0m0s after creation\n/);
  expect(human.stdout).toMatch(/Max tries: 5\n/);
  expect(JSON.parse(json.stdout)).toEqual(await t.client.loadSchedule("nightly"));
  expect([missing.code, missing.stderr]).toEqual([1, "ajc: schedule not found: nope\n"]);
});

test("rm refuses without a terminal unless forced", async () => {
  const refused = await ajc("task", "cron", "rm", "often");
  expect([refused.code, refused.stderr]).toEqual([
    1,
    "ajc: Really remove scheduled task often: refusing without a terminal, pass -f to force\n",
  ]);
  const removed = await ajc("task", "cron", "delete", "often", "-f");
  expect([removed.code, removed.stdout]).toEqual([0, "Removed scheduled task often\n"]);
  await expect(t.client.loadSchedule("often")).rejects.toMatchObject({ reason: "schedule_not_found" });
  await t.client.deleteSchedule("nightly");
  const empty = await ajc("task", "cron", "ls");
  expect(empty.stdout).toBe("No scheduled tasks found\n");
  expect((await ajc("task", "cron", "ls", "--names")).stdout).toBe("");
});
