/** `ajc version`: this build's version and commit, and which nats-server `ajc dev` would run. */
import { versionString } from "../../version.ts";
import { defineLocalCommand } from "../command.ts";
import type { CliContext } from "../context.ts";
import { embeddedNats, embeddedNatsNotice } from "../dev/embedded-nats.ts";
import { chooseNatsServer, describeChoice, natsVersion } from "../dev/nats-binary.ts";
import { cacheDir } from "../dev/paths.ts";

interface VersionArgs {
  "nats-server"?: string;
  "nats-license": boolean;
}

export function versionCommand(ctx: CliContext) {
  return defineLocalCommand<VersionArgs>(ctx, {
    command: "version",
    describe: "Shows the version, and which nats-server ajc dev would use",
    builder: (y) =>
      y
        .option("nats-server", { type: "string", describe: "as ajc dev --nats-server" })
        .option("nats-license", {
          type: "boolean",
          default: false,
          describe: "print the license notice of the embedded nats-server",
        }),
    run: async ({ argv }) => {
      if (argv["nats-license"]) {
        return (await embeddedNatsNotice()) ?? "this build of ajc carries no nats-server";
      }
      const choice = chooseNatsServer(argv["nats-server"], ctx.io.env.PATH, cacheDir(ctx.io.env));
      // An embedded one not yet extracted reports the version the build recorded.
      const version = choice && choice.source !== "embedded" ? natsVersion(choice.path) : undefined;
      const embedded = embeddedNats();
      return [
        `ajc ${versionString()}`,
        `nats-server: ${describeChoice(choice, version)}`,
        embedded
          ? `embedded nats-server: ${embedded.version} for ${embedded.target} (license: ajc version --nats-license)`
          : "embedded nats-server: none in this build",
      ].join("\n");
    },
  });
}
