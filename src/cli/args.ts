import { parseArgs } from "node:util";

/** A mistake on the command line: printed as one line with a pointer to --help, exit status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Flag name -> [kind, help]; every command also takes --help. */
  flags: Record<string, ["string" | "boolean", string]>;
  run(flags: Record<string, string | boolean | undefined>): Promise<void>;
}

export function helpText(c: Command): string {
  const rows = Object.entries(c.flags).map(
    ([name, [kind, help]]) => `  --${name}${kind === "string" ? " <value>" : ""}`.padEnd(30) + help,
  );
  return [
    `zeroconv ${c.name}: ${c.summary}`,
    "",
    `usage: ${c.usage}`,
    "",
    "options:",
    ...rows,
    `${"  --help".padEnd(30)}show this help`,
  ].join("\n");
}

/** Parses `argv` strictly against the command's flags; unknown flags and stray arguments are UsageErrors. */
export function parseFlags(c: Command, argv: string[]): Record<string, string | boolean | undefined> {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const [name, [kind]] of Object.entries(c.flags)) options[name] = { type: kind };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    return values;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // parseArgs explains well but long-windedly; its first sentence is the useful part.
    throw new UsageError((e as Error).message.split(/\.\s/)[0].replace(/\.$/, ""));
  }
}

type Flags = Record<string, string | boolean | undefined>;

/** The text of a flag given as `--name value`, or undefined when it is absent. */
function flagText(flags: Flags, name: string): string | undefined {
  const raw = flags[name];
  return typeof raw === "string" && raw.trim() !== "" ? raw : raw === undefined ? undefined : "";
}

/** A flag that must be an integer >= `min` (1 unless said). */
export function integerFlag(flags: Flags, name: string, fallback: number, min = 1): number {
  const raw = flagText(flags, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw === "" || !Number.isInteger(v) || v < min) {
    throw new UsageError(
      `--${name} must be ${min === 1 ? "a positive integer" : `an integer >= ${min}`}; got ${JSON.stringify(flags[name])}`,
    );
  }
  return v;
}

/** A flag that must be a positive finite number. */
export function positiveFlag(flags: Flags, name: string, fallback: number): number {
  const raw = flagText(flags, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw === "" || !(v > 0 && Number.isFinite(v)))
    throw new UsageError(`--${name} must be a positive number; got ${JSON.stringify(flags[name])}`);
  return v;
}
