/** `gated parity`: the command lives in parity.ts; this file keeps the name main.ts imports. */
export { parityCommand } from "./parity.js";
