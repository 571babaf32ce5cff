/**
 * The `gated` command line. With no arguments it runs the main job: the embedded default
 * comparison (simple RNN, LSTM, GRU and an equation-syntax MGU on the adding problem at T = 100,
 * then on names → gender). Usage errors are one line on stderr with exit code 2.
 */
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { isMainThread } from "node:worker_threads";
import { benchCommand } from "./commands/bench.js";
import { compileCommand } from "./commands/compile.js";
import { experimentCommand } from "./commands/experiment.js";
import { exportCommand } from "./commands/export.js";
import { importCommand } from "./commands/import.js";
import { inspectCommand } from "./commands/inspect.js";
import { mainJob } from "./commands/mainJob.js";
import { exportModelCommand, predictCommand } from "./commands/model.js";
import { parityCommand } from "./commands/parity.js";
import { showCommand } from "./commands/show.js";
import { studyCommand } from "./commands/study.js";
import { oneLine, UsageError } from "./errors.js";
import { isPoolWorker, serveWorker } from "./pool.js";
import { gatedVersion } from "./version.js";

export const USAGE = `usage: gated [COMMAND] [flags]

With no command, runs the main job: gated compare on the adding problem (T = 100) and on
names → gender with a simple RNN, LSTM, GRU and MGU (defined in the equation syntax).
Flags of compare given alone (gated --resume, gated --progress, gated --jobs 1) apply to it.

commands:
  compile CELL -o out.mjs   compile a cell to a standalone ES module (+ .d.ts)
  train --cell C --task T   train one cell, print metrics, write an HTML report
  compare --cells A,B --task T --seeds N
                            train several cells over seeds, table + HTML report
  show CELL                 equations, gradient equations, DOT graph, parameters
  inspect --model FILE      gate statistics, cell state, attention, confusion of a model
  train … --save m.safetensors
                            … and write the trained model (one safetensors file)
  predict --model M [IN…]   predictions of a saved model (inputs as arguments or stdin)
  export-model M -o m.mjs   a saved model as one standalone ES module exporting predict()
  export CELL --to pytorch|onnx -o FILE
                            a cell as a PyTorch module or an ONNX model
  import FILE --from keras|tfjs|onnx|pytorch|gated -o OUT.safetensors
                            foreign LSTM/GRU weights as gated parameters
  parity FIXTURE.json       check a model against a PyTorch fixture
  bench                     run the benchmark
  study greff|jozefowicz    reproduce a classic comparison of gated variants (report + JSON)
  help                      this text
  --version                 the version of gated

Run gated COMMAND --help for the flags of a command.
`;

const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<number>>> = {
  compile: compileCommand,
  train: (a) => experimentCommand("train", a),
  compare: (a) => experimentCommand("compare", a),
  show: showCommand,
  inspect: inspectCommand,
  predict: predictCommand,
  "export-model": exportModelCommand,
  export: exportCommand,
  import: importCommand,
  parity: (a) => parityCommand([...a]),
  bench: benchCommand,
  study: studyCommand,
};

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined) return await mainJob([]);
    // flags without a command go to the main job (e.g. `gated --resume`, `gated --progress`)
    if (cmd.startsWith("--") && cmd !== "--help" && cmd !== "--version") return await mainJob(argv);
    if (cmd === "help" || cmd === "--help" || cmd === "-h") {
      process.stdout.write(USAGE);
      return 0;
    }
    if (cmd === "--version" || cmd === "-v" || cmd === "version") {
      process.stdout.write(`${gatedVersion()}\n`);
      return 0;
    }
    const f = COMMANDS[cmd];
    if (!f)
      throw new UsageError(
        `gated: unknown command "${cmd}" (commands: ${Object.keys(COMMANDS).join(", ")}; see gated --help)`,
      );
    return await f(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${oneLine(e)}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

/** Whether this module is the program node was started with (not imported by a test). */
function startedAsProgram(): boolean {
  const script = process.argv[1];
  if (!isMainThread || script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

const isMain = startedAsProgram();
if (isPoolWorker()) serveWorker();
else if (isMain) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `gated: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
