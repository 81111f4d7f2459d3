/**
 * `ajc server run --ui=false` (or AJC_UI=false) serves no console; by default the compiled binary
 * serves the console it was built with, from memory, and says where.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Client } from "../../src/client.ts";
import { ajcBinary, spawnAjc } from "../helpers/binary.ts";
import { freePort, type NatsServer, startNats } from "../helpers/nats.ts";

let nats: NatsServer;

beforeAll(async () => {
  ajcBinary();
  nats = await startNats();
  const client = await Client.connect({ connection: { servers: nats.url } });
  await client.createQueue({ name: "Q" });
  await client.close();
}, 120_000);
afterAll(() => nats?.close());

async function serve(args: string[], env: Record<string, string> = {}) {
  const port = await freePort();
  const server = spawnAjc(["server", "run", "--queue", "Q", "--bind", `127.0.0.1:${port}`, ...args], {
    env: { NATS_URL: nats.url, ...env },
  });
  await server.waitFor("listening on");
  const ui = await fetch(`http://127.0.0.1:${port}/ui/`);
  const root = await fetch(`http://127.0.0.1:${port}/`, { redirect: "manual" });
  await Promise.all([ui.arrayBuffer(), root.arrayBuffer()]);
  await server.stop("SIGTERM");
  return { ui: ui.status, root: root.status, announced: server.output().includes("operator console at") };
}

test("on by default: /ui/ is served, / redirects, the log says where", async () => {
  expect(await serve([])).toEqual({ ui: 200, root: 302, announced: true });
});

test("--ui=false and AJC_UI=false turn it off; the flag wins over the environment", async () => {
  const off = { ui: 404, root: 404, announced: false };
  expect(await serve(["--ui=false"])).toEqual(off);
  expect(await serve([], { AJC_UI: "false" })).toEqual(off);
  expect(await serve(["--ui"], { AJC_UI: "false" })).toEqual({ ui: 200, root: 302, announced: true });
});
