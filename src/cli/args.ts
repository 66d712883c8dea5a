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
  const rows = Object.entries(c.flags).map(([name, [kind, help]]) => `  --${name}${kind === "string" ? " <value>" : ""}`.padEnd(30) + help);
  return [`zeroconv ${c.name}: ${c.summary}`, "", `usage: ${c.usage}`, "", "options:", ...rows, "  --help".padEnd(30) + "show this help"].join("\n");
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

/** A flag that must be a positive integer (or a positive number with `real`). */
export function numberFlag(flags: Record<string, string | boolean | undefined>, name: string, fallback: number, real = false): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== "string" || raw.trim() === "" || !(real ? v > 0 && Number.isFinite(v) : Number.isInteger(v) && v >= (name === "seed" ? 0 : 1))) {
    throw new UsageError(`--${name} must be ${real ? "a positive number" : name === "seed" ? "an integer >= 0" : "a positive integer"}; got ${JSON.stringify(raw)}`);
  }
  return v;
}
