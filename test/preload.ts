/** Loaded before every test file (bunfig.toml): servers start in these tests, so 5s is too short. */
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(60_000);
