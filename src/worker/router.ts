/**
 * Routes a task to its handler by type: the exact type first, then the longest registered prefix
 * (`""` matches every type), as the Go library's `Mux` does. Middleware registered with `use`
 * wraps every route, outermost first, around the route's own middleware.
 */
import { AjcError } from "../core/errors.ts";
import type { Handler, Middleware, TaskContext } from "./context.ts";

/** A resolved handler with its middleware chain applied. */
export type RoutedHandler = (ctx: TaskContext) => Promise<unknown>;

interface Route {
  type: string;
  handler: Handler;
  middleware: Middleware[];
  chain?: RoutedHandler;
}

function compose(middleware: Middleware[], handler: Handler): RoutedHandler {
  if (middleware.length === 0) return async (ctx) => handler(ctx);
  return (ctx) => {
    const step = async (i: number): Promise<unknown> => {
      const mw = middleware[i];
      return mw ? mw(ctx, () => step(i + 1)) : handler(ctx);
    };
    return step(0);
  };
}

/** Task type → handler, with middleware. */
export class Router {
  readonly #exact = new Map<string, Route>();
  /** Every route, longest type first, for prefix matching. */
  #byLength: Route[] = [];
  readonly #middleware: Middleware[] = [];

  /**
   * Registers `handler` for task type `type` (exact, or as a prefix of longer types; `""` for
   * every type), with optional middleware of its own. A type can be registered once.
   */
  handle(type: string, handler: Handler, ...middleware: Middleware[]): this {
    if (this.#exact.has(type)) {
      throw new AjcError("invalid_argument", `a handler for task type "${type}" is already registered`);
    }
    const route: Route = { type, handler, middleware };
    this.#exact.set(type, route);
    this.#byLength = [...this.#byLength, route].sort((a, b) => b.type.length - a.type.length);
    return this;
  }

  /** Adds middleware around every route; earlier registrations run outermost. */
  use(...middleware: Middleware[]): this {
    this.#middleware.push(...middleware);
    for (const r of this.#byLength) r.chain = undefined;
    return this;
  }

  /** The handler (with middleware) for a task type, or undefined when nothing matches. */
  resolve(type: string): RoutedHandler | undefined {
    const route = this.#exact.get(type) ?? this.#byLength.find((r) => type.startsWith(r.type));
    if (!route) return undefined;
    route.chain ??= compose([...this.#middleware, ...route.middleware], route.handler);
    return route.chain;
  }

  /** The registered task types, longest first. */
  get types(): string[] {
    return this.#byLength.map((r) => r.type);
  }
}
