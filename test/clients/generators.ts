/**
 * How `npm run test:clients` (test/clients/run.ts) runs openapi-generator: the pinned version, the
 * options per language (docs/clients.md shows the same commands; test/clients/docs.test.ts checks
 * that) and the warnings accepted, each with its reason.
 */

/** The openapi-generator version: the only place it is pinned. */
export const OPENAPI_GENERATOR_VERSION = "7.25.0";
/** The generator's options per language: what docs/clients.md shows. */
export const GENERATORS: Record<string, string[]> = {
  python: ["-g", "python"],
  // A module path of our own, so test/clients/go/go.mod can point at the generated package.
  go: [
    "-g",
    "go",
    "--package-name",
    "asyncjobs",
    "--git-host",
    "ajc.local",
    "--git-user-id",
    "clients",
    "--git-repo-id",
    "asyncjobs",
  ],
  java: ["-g", "java"],
};

/** Generator warnings we accept, each with why; any other warning fails the run. */
export const ALLOWED_WARNINGS: { lang: string; text: string; reason: string }[] = [
  {
    lang: "python",
    text: "Failed to get the schema name: null",
    reason: `printed by the ${OPENAPI_GENERATOR_VERSION} python generator for every document, even one with one operation and one string property`,
  },
  {
    lang: "go",
    text: "type (reserved word) cannot be used as parameter name. Renamed to type_",
    reason: "listTasks' `type` query parameter is the reference's name on the wire; in Go it is `Type_()`",
  },
  {
    lang: "go",
    text: "type (reserved word) cannot be used as model name. Renamed to model_type",
    reason: "the same `type` name, checked as a model name too; no model is called that",
  },
];

/** The command docs/clients.md gives users for `lang`, with the jar fetched as it says. */
export function documentedCommand(lang: string): string {
  const jar = `openapi-generator-cli-${OPENAPI_GENERATOR_VERSION}.jar`;
  return `java -jar ${jar} generate -i asyncjobs.json -o asyncjobs-${lang} ${GENERATORS[lang]!.join(" ")}`;
}

/**
 * What is wrong with the generator's output for `lang`: each WARN or ERROR line that
 * ALLOWED_WARNINGS does not list, and each entry for `lang` that was not printed (stale).
 */
export function warningProblems(lang: string, output: string): string[] {
  const noisy = output.split("\n").filter((l) => /\b(WARN|ERROR)\b/.test(l));
  const mine = ALLOWED_WARNINGS.filter((w) => w.lang === lang);
  return [
    ...noisy.filter((l) => !mine.some((w) => l.includes(w.text))).map((l) => `not in ALLOWED_WARNINGS: ${l}`),
    ...mine.filter((w) => !noisy.some((l) => l.includes(w.text))).map((w) => `no longer printed: ${w.text}`),
  ];
}
