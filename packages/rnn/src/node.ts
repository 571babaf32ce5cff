/**
 * `@gated/rnn/node`: the parts of @gated/rnn that need Node — reading and writing files
 * (safetensors, state dicts, atomic writes) and the tasks whose data are read from files
 * (names-gender from the @stdlib name lists, names-language from a directory), with the
 * `getTask` that knows them. Everything else is in the browser-safe main entry, `@gated/rnn`.
 */
export {
  readSafetensorsFile,
  readStateDictFile,
  writeFileAtomic,
  writeSafetensorsFile,
  writeStateDictFile,
} from "./interop/files.js";
export { namesGender } from "./tasks/namesGender.js";
export { type NamesLanguageOptions, namesLanguage } from "./tasks/namesLanguage.js";
export { getTask } from "./tasks/nodeRegistry.js";
