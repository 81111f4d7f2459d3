/**
 * Prints the path of the newest nats-server release (built with Go once, then cached), for
 * `.ci/run`'s pass of the whole suite against it: `AJC_NATS_SERVER=$(bun test/interop/newest-nats-server.ts)`.
 */
import { NEWEST_NATS_RELEASE, natsServerRelease } from "./go-tools.ts";

console.log(natsServerRelease(NEWEST_NATS_RELEASE));
