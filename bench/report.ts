/** Renders one run's results as Markdown tables (printed, and pasted into docs/performance.md). */
import { renderLive } from "./live.ts";
import type { Machine } from "./machine.ts";
import type { Paired } from "./paired.ts";
import { int, mb, ms, round } from "./stats.ts";
import { httpErrors, type Measured, type TargetCheck } from "./targets.ts";

export interface Results extends Measured {
  command: string;
  startedAt: string;
  totalSeconds: number;
  quick: boolean;
  machine: Machine;
  binary: { path: string; bytes: number; rebuilt: boolean };
  settings: Record<string, unknown>;
  /** 1-minute load average as each part began. */
  loadAverages: Record<string, string>;
  failures: Record<string, string>;
  targets: TargetCheck[];
}

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

function pairedLine(p: Paired, ceiling: string, product: string): string {
  const rounds = p.rounds.map((x) => `${int(x.ceiling)} vs ${int(x.product)} (${x.ratio}×)`).join("; ");
  return `Side by side, alternating rounds (${ceiling} vs ${product}, per second): ${rounds}; median ratio **${p.medianRatio}×**.`;
}

export function renderMarkdown(r: Results): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.os} (Linux ${m.kernel}); Bun ${m.bun}, ${m.natsServer}, ${m.loadGenerator}; load average (1 min) at start ${m.loadAverageAtStart}, at each part ${Object.values(r.loadAverages).join(", ")}.`,
    `Command: \`${r.command}\` at commit ${m.gitCommit}${m.gitDirty ? " (with uncommitted changes)" : ""}, ${r.startedAt}, ${Math.round(r.totalSeconds)} s in all.`,
    "",
  );
  if (r.ceiling) {
    out.push(
      "**1. Ceiling: the NATS work of one enqueue, no HTTP** (save with expected sequence, event, work item with message id)",
      "",
    );
    out.push(
      table(
        [
          "via",
          "in flight",
          "enqueues/s",
          "p50 ms",
          "p99 ms",
          "errors",
          "client CPU s / 1k",
          "nats-server CPU s / 1k",
        ],
        r.ceiling.map((c) => [
          c.via === "nats" ? "NATS library" : "ajc Client.enqueue",
          c.load.inflight,
          int(c.load.perSecond),
          ms(c.load.p50Ms),
          ms(c.load.p99Ms),
          c.load.errors,
          c.load.cpuSecondsPer1k.toFixed(3),
          c.natsCpuSecondsPer1k.toFixed(3),
        ]),
      ),
      "",
    );
  }
  if (r.http) {
    out.push(
      `**2. \`build/ajc server run\` under wrk** (keep-alive, ${r.settings.httpSeconds} s per row)`,
      "",
    );
    out.push(
      table(
        [
          "request",
          "conns",
          "req/s",
          "p50 ms",
          "p99 ms",
          "p99.9 ms",
          "errors",
          "peak RSS MB",
          "server CPU s / 1k",
          "nats-server CPU s / 1k",
          "NATS msgs in/out per req",
        ],
        r.http.rows.map((h) => [
          `\`${h.route}\``,
          h.connections,
          int(h.perSecond),
          ms(h.p50Ms),
          ms(h.p99Ms),
          ms(h.p999Ms),
          httpErrors(h),
          mb(h.peakRssMB),
          h.cpuSecondsPer1k.toFixed(3),
          h.natsCpuSecondsPer1k.toFixed(3),
          `${h.natsInPerRequest} / ${h.natsOutPerRequest}`,
        ]),
      ),
      "",
    );
  }
  if (r.pairedEnqueue)
    out.push(
      pairedLine(r.pairedEnqueue, "library enqueue at 64 in flight", "HTTP POST at 64 connections"),
      "",
    );
  if (r.listing) {
    out.push("**3. Listing**", "");
    const rows: (string | number)[][] = [];
    for (const s of r.listing) {
      for (const l of s.rows) {
        rows.push([
          int(s.storeSize),
          `\`${l.request.replace("GET /v1/tasks", "")}\``,
          int(l.tasks),
          ms(l.medianMs),
          int(l.tasksPerSecond),
          mb(s.serverPeakRssMB),
        ]);
      }
      const f = s.fullNdjsonOverHttp;
      rows.push([
        int(s.storeSize),
        `\`?stream=ndjson&limit=${f.asked}\` (all)`,
        `${int(f.returned)}${f.capped ? " (capped)" : ""}`,
        ms(f.ms),
        int((f.returned / f.ms) * 1000),
        `${mb(f.serverPeakRssMB)} (server)`,
      ]);
      const lib = s.libraryStream;
      rows.push([
        int(s.storeSize),
        "all, same code without HTTP (listTasks + encodeTask)",
        int(lib.tasks),
        ms(lib.seconds * 1000),
        int(lib.tasksPerSecond),
        `${mb(lib.peakRssMB)} (child; ${mb(lib.afterGcRssMB)} after GC)`,
      ]);
    }
    out.push(
      table(["tasks stored", "request", "tasks returned", "time ms", "tasks/s", "peak RSS MB"], rows),
      "",
    );
  }
  if (r.processing) {
    out.push(
      "**4. Processing** (drain a queue; workers timed from first `active` to last `complete` event)",
      "",
    );
    const name = {
      raw: "raw pull-ack (ceiling)",
      "ts-worker": "TS worker, no-op handler",
      "ajc-process": "`ajc task process … /bin/true`",
      "go-worker": "Go asyncjobs worker, no-op handler",
    };
    out.push(
      table(
        [
          "worker",
          "concurrency",
          "tasks",
          "tasks/s",
          "vs raw",
          "worker CPU s / 1k",
          "nats-server CPU s / 1k",
          "worker peak RSS MB",
        ],
        r.processing.map((p) => {
          const raw = r.processing!.find((x) => x.mode === "raw" && x.concurrency === p.concurrency);
          return [
            name[p.mode],
            p.concurrency,
            `${int(p.completed)}${p.tasks !== r.settings.drainTasks ? " (fewer: one process per task)" : ""}`,
            int(p.perSecond),
            raw ? `${round(p.perSecond / raw.perSecond, 2)}×` : "",
            p.cpuSecondsPer1k.toFixed(3),
            p.natsCpuSecondsPer1k.toFixed(3),
            p.peakRssMB === undefined ? "" : String(p.peakRssMB),
          ];
        }),
      ),
      "",
    );
  }
  if (r.pairedDrain) out.push(pairedLine(r.pairedDrain, "raw pull-ack", "TS worker"), "");
  if (r.startup) {
    const s = r.startup;
    out.push(
      `**5. Start-up**: launch to \`/readyz\` 200, median of ${s.runs}: **${s.medianReadyMs} ms** (runs: ${s.readyMs.join(", ")}); \`ajc --version\` alone: ${s.medianVersionMs} ms; binary ${round(s.binaryBytes / 1024 / 1024, 1)} MiB.`,
      "",
    );
  }
  if (r.versus) {
    const v = r.versus;
    const st = v.settings;
    out.push(
      `**8. Enqueue phases, ${v.servers.map((x) => `\`${x.label}\``).join(" beside ")}** (POST /v1/tasks; each server on an emptied store: ${st.warmupSeconds} s warm-up, 16 connections ${st.freshSeconds} s, 64 for ${st.sustainedSeconds} s, 16 again for ${st.afterSeconds} s; ${st.rounds} round(s), the order alternating)`,
      "",
      table(
        [
          "server",
          "round",
          "phase",
          "req/s",
          "p50 ms",
          "p99 ms",
          "p99.9 ms",
          "max ms",
          "errors",
          "peak RSS MB (anonymous)",
          "CPU s / 1k",
          "idle RSS MB (start / after; anonymous at start)",
        ],
        v.runs.flatMap((run) =>
          run.phases.map((p) => [
            `\`${run.label}\``,
            run.round,
            p.phase,
            int(p.perSecond),
            ms(p.p50Ms),
            ms(p.p99Ms),
            ms(p.p999Ms),
            ms(p.maxMs),
            p.errors,
            `${mb(p.peakRssMB)} (${mb(p.peakAnonMB)})`,
            p.cpuSecondsPer1k.toFixed(3),
            `${mb(run.idleRssMB)} / ${mb(run.afterRssMB)}; ${mb(run.idleAnonMB)}`,
          ]),
        ),
      ),
      "",
    );
    if (v.ratios.length > 0) {
      out.push(
        table(
          [
            "ours / peer (median of rounds)",
            "p99 16 fresh",
            "p99.9 16 fresh",
            "p99 16 after 64",
            "p99.9 16 after 64",
            "req/s at 64",
            "peak RSS",
            "idle RSS",
          ],
          v.ratios.map((x) => [
            `\`${x.peer}\``,
            `${x.p99Fresh16}×`,
            `${x.p999Fresh16}×`,
            `${x.p99After16}×`,
            `${x.p999After16}×`,
            `${x.perSecond64}×`,
            `${x.peakRss}×`,
            `${x.idleRss}×`,
          ]),
        ),
        "",
      );
    }
  }
  if (r.soak) {
    const s = r.soak;
    out.push(
      `**Soak**: ${s.minutes} min at ${s.connections} connections (POST /v1/tasks; task stream and queue capped at ${int(s.storeCap)} messages), RSS idle ${mb(s.idleRssMB)} MB, per minute (median) ${s.minuteRssMB.map(mb).join(", ")} MB, range ${mb(s.minRssMB)}–${mb(s.maxRssMB)} MB, last / second minute ${s.trend}×; ${int(s.requests)} requests, ${s.errors} errors; p99 per wrk run (30 s each) ${s.slices.map((x) => ms(x.p99Ms)).join(", ")} ms, p99.9 ${s.slices.map((x) => ms(x.p999Ms)).join(", ")} ms.`,
      "",
    );
  }
  if (r.console) {
    const c = r.console;
    out.push(
      `**6. Console**: \`/ui/\` to the overview filled from the API, in headless Chromium, median of ${c.runs}: first visit **${c.medianFirstVisitMs} ms** (${c.firstVisitMs.join(", ")}), repeat visit ${c.medianRepeatVisitMs} ms (${c.repeatVisitMs.join(", ")}).`,
      "",
    );
  }
  if (r.live) out.push(renderLive(r.live), "");
  out.push("**Targets**", "");
  out.push(
    table(
      ["target", "measured", "verdict"],
      r.targets.map((t) => [t.target, t.measured, `**${t.verdict}**`]),
    ),
  );
  for (const [part, msg] of Object.entries(r.failures)) out.push("", `Part ${part} failed: ${msg}`);
  return out.join("\n");
}
