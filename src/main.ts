#!/usr/bin/env bun
import { processIo } from "./cli/io.ts";
/** Entry point of the `ajc` executable. */
import { main } from "./cli/main.ts";

const code = await main(process.argv.slice(2), processIo());
process.exit(code);
