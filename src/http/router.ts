/**
 * Our small router: patterns like `/v1/tasks/{id}` with named parameters. A literal segment beats a
 * parameter, so `POST /v1/tasks/retry` is the bulk retry while `GET /v1/tasks/retry` reads the task
 * called `retry`. A path that matches with another method yields the methods it allows (for 405).
 */

/** The result of a lookup. */
export type Lookup<H> =
  | { kind: "found"; handler: H; params: Record<string, string>; pattern: string }
  | { kind: "method_not_allowed"; allow: string[] }
  | { kind: "not_found" };

interface Route<H> {
  /** As registered, e.g. `/v1/tasks/{id}` (the route label of the metrics). */
  pattern: string;
  /** Literal segments, or a parameter name for `{name}` segments. */
  segments: { literal?: string; param?: string }[];
  literals: number;
  handlers: Map<string, H>;
}

const NOT_FOUND = { kind: "not_found" } as const;

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    // Malformed escapes stay as sent; name validation then refuses them with a clear reason.
    return raw;
  }
}

export class Router<H> {
  /** Routes by segment count, most literal first. */
  readonly #bySize = new Map<number, Route<H>[]>();
  readonly #byPattern = new Map<string, Route<H>>();

  /** Registers `handler` for `method` on `pattern` (a path whose `{name}` segments are parameters). */
  add(method: string, pattern: string, handler: H): this {
    let route = this.#byPattern.get(pattern);
    if (!route) {
      const segments = pattern
        .split("/")
        .slice(1)
        .map((s) => (s.startsWith("{") && s.endsWith("}") ? { param: s.slice(1, -1) } : { literal: s }));
      route = {
        pattern,
        segments,
        literals: segments.filter((s) => s.literal !== undefined).length,
        handlers: new Map(),
      };
      this.#byPattern.set(pattern, route);
      const list = this.#bySize.get(segments.length) ?? [];
      list.push(route);
      list.sort((a, b) => b.literals - a.literals);
      this.#bySize.set(segments.length, list);
    }
    if (route.handlers.has(method)) throw new Error(`duplicate route ${method} ${pattern}`);
    route.handlers.set(method, handler);
    return this;
  }

  /** Finds the handler for a request path (no query string). HEAD is served by GET handlers. */
  lookup(method: string, path: string): Lookup<H> {
    if (path[0] !== "/") return NOT_FOUND;
    const parts = path.split("/");
    parts.shift();
    const candidates = this.#bySize.get(parts.length);
    if (!candidates) return NOT_FOUND;
    let allow: Set<string> | undefined;
    for (const route of candidates) {
      if (!matches(route, parts)) continue;
      const handler =
        route.handlers.get(method) ?? (method === "HEAD" ? route.handlers.get("GET") : undefined);
      if (handler !== undefined)
        return { kind: "found", handler, params: paramsOf(route, parts), pattern: route.pattern };
      allow ??= new Set();
      for (const m of route.handlers.keys()) {
        allow.add(m);
        if (m === "GET") allow.add("HEAD");
      }
    }
    return allow ? { kind: "method_not_allowed", allow: [...allow].sort() } : NOT_FOUND;
  }
}

function matches<H>(route: Route<H>, parts: string[]): boolean {
  for (let i = 0; i < parts.length; i++) {
    const seg = route.segments[i]!;
    if (seg.literal !== undefined ? seg.literal !== parts[i] : parts[i] === "") return false;
  }
  return true;
}

function paramsOf<H>(route: Route<H>, parts: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const name = route.segments[i]!.param;
    if (name !== undefined) params[name] = decodeParam(parts[i]!);
  }
  return params;
}
