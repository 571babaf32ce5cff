/**
 * `gated parity`: implemented in parity.ts by the layers/parity work; this file binds it so the
 * CLI builds before it lands (and then fails with one clear line).
 */
import { UsageError } from "../errors.js";

export async function parityCommand(args: string[]): Promise<number> {
  void args;
  throw new UsageError("gated parity: not available in this build yet");
}
