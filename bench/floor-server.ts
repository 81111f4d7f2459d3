/**
 * The HTTP floor, for the profile (bench/profile.ts floor): a server that reads a POST body and
 * answers 201 with a ~250-byte JSON task, doing no other work, with Bun's `node:http` (what
 * `ajc server run` uses) or `Bun.serve`. Prints its port on stdout, runs until SIGTERM.
 *
 *   bun bench/floor-server.ts node|bun
 */
import { createServer } from "node:http";

const BODY = JSON.stringify({
  id: "01JBENCHBENCHBENCHBENCHBENC",
  type: "bench",
  queue: "BENCH",
  payload: "eyJuIjoxfQ==",
  max_tries: 10,
  state: "new",
  created: "2026-01-01T00:00:00.000Z",
  tries: 0,
});

const mode = process.argv[2];
if (mode === "node") {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(201, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(BODY),
        location: "/v1/tasks/01JBENCHBENCHBENCHBENCHBENC",
      });
      res.end(BODY);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const a = server.address();
    console.log(typeof a === "object" && a ? a.port : 0);
  });
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
} else if (mode === "bun") {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      await req.json();
      return new Response(BODY, {
        status: 201,
        headers: { "content-type": "application/json", location: "/v1/tasks/01JBENCHBENCHBENCHBENCHBENC" },
      });
    },
  });
  console.log(server.port);
  process.once("SIGTERM", () => {
    void server.stop(true).then(() => process.exit(0));
  });
} else {
  console.error("usage: bun bench/floor-server.ts node|bun");
  process.exit(2);
}
