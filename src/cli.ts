#!/usr/bin/env node
// The `zeroconv` command. Mistakes on the command line and missing or damaged files end in one
// line on stderr and a non-zero exit status, never a stack trace (ZEROCONV_DEBUG=1 adds it).
import { helpText, parseFlags, UsageError, type Command } from "./cli/args.js";
import { demo } from "./cli/demo.js";
import { trainCommand } from "./cli/train.js";
import { evaluate } from "./cli/eval.js";
import { bench } from "./cli/bench.js";

const commands: Command[] = [demo, trainCommand, evaluate, bench];

function mainHelp(): string {
  return [
    "zeroconv: CNN kernels in SIMD WebAssembly, and the book's SimpleConvNet on MNIST",
    "",
    "usage: zeroconv <command> [options]",
    "",
    "commands:",
    ...commands.map((c) => `  ${c.name.padEnd(8)}${c.summary}`),
    "",
    "`zeroconv <command> --help` shows a command's options.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (command === undefined)
      throw new UsageError(
        `unknown command ${JSON.stringify(name)}; commands: ${commands.map((c) => c.name).join(", ")}`,
      );
    const flags = parseFlags(command, rest);
    if (flags.help === true) {
      console.log(helpText(command));
      return 0;
    }
    await command.run(flags);
    return 0;
  } catch (e) {
    const where = command ? `zeroconv ${command.name}` : "zeroconv";
    if (e instanceof UsageError) {
      console.error(`${where}: ${e.message} (see ${where} --help)`);
      return 2;
    }
    console.error(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.ZEROCONV_DEBUG && e instanceof Error) console.error(e.stack);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
