import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "../../src/client.ts";
import { createLogger } from "../../src/core/log.ts";
import { startServer } from "../../src/http/server.ts";
import { makeCerts, type TestCerts } from "../helpers/certs.ts";
import { type ApiEnv, startApi } from "../helpers/http.ts";
import { type NatsServer, startNats } from "../helpers/nats.ts";
import { checkedFetch } from "../helpers/openapi.ts";

let certs: TestCerts;
let nats: NatsServer;
let tlsOnly: ApiEnv;
let mtls: ApiEnv;
beforeAll(async () => {
  certs = makeCerts();
  nats = await startNats();
  tlsOnly = await startApi({ nats, server: { tls: { cert: certs.server.cert, key: certs.server.key } } });
  mtls = await startApi({
    nats,
    server: { tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca } },
  });
});
afterAll(async () => {
  await mtls.close();
  await tlsOnly.close();
  await nats.close();
  certs.remove();
});

const tls = (pair?: { cert: string; key: string }) => ({
  ca: certs.read(certs.ca),
  ...(pair ? { cert: certs.read(pair.cert), key: certs.read(pair.key) } : {}),
});

describe("TLS", () => {
  test("serves HTTPS; auth stays none without a client CA", async () => {
    const r = await tlsOnly.call("GET", "/v1/info", { init: { tls: tls() } });
    expect(r.status).toBe(200);
    expect(r.body.auth).toBe("none");
    expect(tlsOnly.logs.some((l) => /listening on 127\.0\.0\.1:\d+ \(none\)/.test(l))).toBe(true);
  });

  test("plain HTTP to the TLS port gets no answer", async () => {
    await expect(fetch(`http://127.0.0.1:${tlsOnly.server.port}/healthz`)).rejects.toThrow();
  });

  test("TLS 1.1 and older are refused", async () => {
    // curl runs asynchronously: the server under test lives in this process.
    const curl = async (...args: string[]) =>
      Bun.spawn(["curl", "-sS", "--max-time", "5", "--cacert", certs.ca, ...args, `${tlsOnly.url}/healthz`], {
        stdout: "ignore",
        stderr: "ignore",
      }).exited;
    expect(await curl("--tlsv1.1", "--tls-max", "1.1")).not.toBe(0);
    expect(await curl("--tlsv1.2", "--tls-max", "1.2")).toBe(0);
  });
});

describe("mTLS", () => {
  test("a client certificate from the CA gets in; info says mtls", async () => {
    const r = await mtls.call("GET", "/v1/info", { init: { tls: tls(certs.client) } });
    expect(r.status).toBe(200);
    expect(r.body.auth).toBe("mtls");
    expect(mtls.logs.some((l) => /listening on 127\.0\.0\.1:\d+ \(mtls\)/.test(l))).toBe(true);
    const created = await mtls.call("POST", "/v1/tasks", {
      json: { type: "t" },
      init: { tls: tls(certs.client) },
    });
    expect(created.status).toBe(201);
  });

  test("no client certificate, or one from another CA: no request reaches a handler", async () => {
    const before = mtls.logs.filter((l) => l.includes("request")).length;
    await expect(fetch(`${mtls.url}/healthz`, { tls: tls() })).rejects.toThrow();
    await expect(fetch(`${mtls.url}/healthz`, { tls: tls(certs.stranger) })).rejects.toThrow();
    expect(mtls.logs.filter((l) => l.includes("request")).length).toBe(before);
  });

  test("mTLS allows a non-loopback bind without --unsafe-bind", async () => {
    const client = await Client.connect({ connection: { servers: nats.url } });
    const server = await startServer(
      client,
      {
        bind: "0.0.0.0:0",
        queue: "EMAIL",
        tls: { cert: certs.server.cert, key: certs.server.key, clientCa: certs.ca },
      },
      createLogger({ write: () => {} }),
    );
    try {
      expect(server.auth).toBe("mtls");
      const r = await checkedFetch(`https://127.0.0.1:${server.port}/healthz`, {
        tls: tls(certs.client),
      } as RequestInit);
      expect(r.status).toBe(200);
    } finally {
      await server.close();
      await client.close();
    }
  });
});

describe("start-up checks", () => {
  const start = async (options: Parameters<typeof startServer>[1]) => {
    const client = await Client.connect({ connection: { servers: nats.url } });
    try {
      const s = await startServer(client, options, createLogger({ write: () => {} }));
      await s.close();
    } finally {
      await client.close();
    }
  };

  test("incomplete or unusable TLS material fails clearly", async () => {
    const base = { bind: "127.0.0.1:0", queue: "EMAIL" };
    await expect(start({ ...base, tls: { cert: certs.server.cert } })).rejects.toThrow(
      /--tls-cert and --tls-key/,
    );
    await expect(start({ ...base, tls: { clientCa: certs.ca } })).rejects.toThrow(/--tls-client-ca needs/);
    const empty = join(certs.dir, "empty.pem");
    writeFileSync(empty, "no certificates here\n");
    await expect(
      start({ ...base, tls: { cert: certs.server.cert, key: certs.server.key, clientCa: empty } }),
    ).rejects.toThrow(/holds no certificate/);
    await expect(
      start({ ...base, tls: { cert: certs.server.cert, key: join(certs.dir, "missing.key") } }),
    ).rejects.toThrow(/cannot read --tls-key/);
    await expect(start({ ...base, tls: { cert: certs.server.cert, key: certs.client.key } })).rejects.toThrow(
      /TLS certificate and key/,
    );
  });

  test("TLS alone does not lift the bind guard", async () => {
    await expect(
      start({ bind: "0.0.0.0:0", queue: "EMAIL", tls: { cert: certs.server.cert, key: certs.server.key } }),
    ).rejects.toThrow(/--unsafe-bind/);
  });
});
