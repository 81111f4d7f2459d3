/**
 * ed25519 task signatures across implementations: a task the Go library signed verifies in ajc's
 * client, worker and CLI; a task ajc signed (CLI and HTTP API) verifies in the Go worker and Go
 * CLI; a signature by another key is refused by both, and the refused task is never handled.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { publicKeyHex, signingKey } from "../../src/core/signing.ts";
import type { Task } from "../../src/core/task.ts";
import { Router, runWorker } from "../../src/worker/index.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { describeInterop } from "./go-tools.ts";
import { enqueuedId, FINAL_STATES, type GoTask, type Interop, startInterop } from "./harness.ts";

const final = (t: Task) => FINAL_STATES.has(t.state);
const SEED = randomBytes(32).toString("hex");
const PUB = publicKeyHex(signingKey(SEED));
const OTHER_SEED = randomBytes(32).toString("hex");

describeInterop("signatures across ajc and Go", () => {
  let w: Interop;
  let api: ApiEnv;
  beforeAll(async () => {
    w = await startInterop();
    await w.client.createQueue({ name: "SIGTS" });
    await w.client.createQueue({ name: "SIGGO" });
    api = await startApi({ nats: w.nats, server: { queue: "SIGGO" }, client: { signingKey: SEED } });
  });
  afterAll(async () => {
    await api?.close();
    await w?.close();
  });

  test("Go-signed tasks verify in our client, worker and `ajc task view --verify`; a wrong key's are never run", async () => {
    const bad = await w.helper<GoTask>("enqueue", "SIGTS", "sig:ts", '"forged"', "--sign", OTHER_SEED);
    const good = await w.helper<GoTask>("enqueue", "SIGTS", "sig:ts", '"genuine"', "--sign", SEED);
    expect(good.signature).toMatch(/^[0-9a-f]{128}$/);

    const verifying = await w.connect({ verificationKey: PUB });
    expect((await verifying.loadTask(good.id)).signature).toBe(good.signature);
    await expect(verifying.loadTask(bad.id)).rejects.toThrow(/invalid signature/);
    expect((await w.ajc("task", "view", good.id, "--verify", PUB)).code).toBe(0);
    const refused = await w.ajc("task", "view", bad.id, "--verify", PUB);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("invalid signature");

    const ran: string[] = [];
    const stop = new AbortController();
    const worker = runWorker(
      verifying,
      new Router().handle("sig:ts", (ctx) => {
        ran.push(ctx.id);
        return "ran";
      }),
      { queue: "SIGTS", concurrency: 1, signal: stop.signal },
    );
    const t = await w.waitTask(good.id, final);
    stop.abort();
    await worker;
    expect(t).toMatchObject({ state: "complete", result: { payload: "ran" } });
    // Work is taken in order with one at a time, so the forged task was refused before this one ran.
    expect(ran).toEqual([good.id]);
    expect((await w.client.loadTask(bad.id)).state).not.toBe("complete");
  });

  test("ajc-signed tasks (CLI and HTTP API) verify in the Go worker and Go CLI; a wrong key's are never run", async () => {
    const bad = enqueuedId(
      await w.ajc("task", "add", "sig:go", '"forged"', "-q", "SIGGO", "--sign", OTHER_SEED),
    );
    const viaCli = enqueuedId(await w.ajc("task", "add", "sig:go", '"cli"', "-q", "SIGGO", "--sign", SEED));
    const r = await api.call("POST", "/v1/tasks", { json: { type: "sig:go", payload: "http" } });
    expect(r.status).toBe(201);
    const viaHttp = r.body.id as string;
    expect(r.body.signature).toMatch(/^[0-9a-f]{128}$/);

    const view = await w.goAjc("tasks", "view", viaCli, "--verify", PUB);
    expect(view.code).toBe(0);
    const refused = await w.goAjc("tasks", "view", bad, "--verify", PUB);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain("invalid task signature");

    const goWorker = w.spawnGo("helper", [
      "worker",
      w.nats.url,
      "SIGGO",
      "sig:go",
      "--concurrency",
      "1",
      "--verify",
      PUB,
    ]);
    for (const id of [viaCli, viaHttp]) {
      expect(await w.waitTask(id, final)).toMatchObject({ state: "complete" });
    }
    await goWorker.stop();
    expect(goWorker.output()).not.toContain(`"handled":"${bad}"`);
    expect((await w.client.loadTask(bad)).state).not.toBe("complete");
  });
});
