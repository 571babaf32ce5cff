/**
 * `gated/node`: what needs Node, on top of the browser-safe `gated` — file access
 * (safetensors, state dicts, atomic writes), the tasks whose data are read from files and the
 * `getTask` that knows them (from `@gated/rnn/node`), and `gated parity` for embedding.
 */
export {
  getTask,
  type NamesLanguageOptions,
  namesGender,
  namesLanguage,
  readSafetensorsFile,
  readStateDictFile,
  writeFileAtomic,
  writeSafetensorsFile,
  writeStateDictFile,
} from "@gated/rnn/node";

// `gated parity` (commands/parity.ts), for tests/parity.test.ts and embedding
export {
  formatParity,
  PARITY_USAGE,
  type ParityOptions,
  parityCommand,
  parityFile,
  parityKernel,
} from "./commands/parity.js";
