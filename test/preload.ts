/** Loaded before every test file (bunfig.toml): servers start in these tests, so 5s is too short. */
import { afterAll, setDefaultTimeout } from "bun:test";
import { removeBuiltBinary } from "./helpers/binary.ts";

setDefaultTimeout(60_000);

// A hook in the preload runs once, after the last test file: the binary is shared by all of them.
afterAll(removeBuiltBinary);
