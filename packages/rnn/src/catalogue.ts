/**
 * The cell catalogue: every named cell of the project, as a factory. `CATALOGUE[name](opts)`
 * builds the cell; `getCell(name, opts)` does the same and names the known cells when the name
 * is unknown. Names follow the fixtures' `kind` where one exists (`lstm`, `gru`, `rnn_tanh`,
 * `book_lstm`, `peephole_lstm`, `cho_gru`, `mgu`).
 */

import { type BookLstmOptions, bookLstm } from "./cells/bookLstm.js";
import { type ChoGruOptions, choGru } from "./cells/choGru.js";
import type { CellOptions, ForgetBiasOptions } from "./cells/common.js";
import { type ElmanOptions, elman } from "./cells/elman.js";
import { type GlobalGateOptions, globalGateLstm } from "./cells/globalGateLstm.js";
import { type GreffOptions, greffLstm } from "./cells/greffLstm.js";
import { groupedGateGru } from "./cells/groupedGateGru.js";
import { groupedGateLstm } from "./cells/groupedGateLstm.js";
import { gru } from "./cells/gru.js";
import { type IndRnnOptions, indRnn } from "./cells/indRnn.js";
import { type LeakyOptions, leaky } from "./cells/leaky.js";
import { type LnLstmOptions, lnLstm } from "./cells/lnLstm.js";
import { lstm } from "./cells/lstm.js";
import { mgu } from "./cells/mgu.js";
import { minGru } from "./cells/minGru.js";
import { minLstm } from "./cells/minLstm.js";
import { mut1 } from "./cells/mut1.js";
import { mut2 } from "./cells/mut2.js";
import { mut3 } from "./cells/mut3.js";
import { peepholeLstm } from "./cells/peepholeLstm.js";
import { type SLstmOptions, sLstm } from "./cells/sLstm.js";
import type { Cell } from "./defineCell.js";

type Factory<O> = (opts?: O) => Cell;
/** A factory with some options fixed (they are what makes the entry this cell). */
const fix =
  <O extends object, F extends object>(build: (o: O & F) => Cell, fixed: F): Factory<O> =>
  (opts?: O) =>
    build({ ...(opts ?? ({} as O)), ...fixed });

/** Every catalogue cell by name. Each factory takes its cell's options (all optional). */
export const CATALOGUE = {
  // simple recurrent units
  elman: fix<CellOptions, ElmanOptions>(elman, { activation: "tanh" }),
  elman_relu: fix<CellOptions, ElmanOptions>(elman, { activation: "relu" }),
  rnn_tanh: fix<CellOptions, ElmanOptions>(elman, { activation: "tanh", torchBiases: true }),
  rnn_relu: fix<CellOptions, ElmanOptions>(elman, { activation: "relu", torchBiases: true }),
  leaky: fix<Omit<LeakyOptions, "learned">, LeakyOptions>(leaky, { learned: false }),
  leaky_learned: fix<Omit<LeakyOptions, "learned">, LeakyOptions>(leaky, { learned: true }),
  ind_rnn: indRnn as Factory<IndRnnOptions>,
  // LSTMs
  lstm: lstm as Factory<ForgetBiasOptions>,
  book_lstm: fix<ForgetBiasOptions, BookLstmOptions>(bookLstm, { cellInput: "sigmoid" }),
  book_lstm_tanh: fix<ForgetBiasOptions, BookLstmOptions>(bookLstm, { cellInput: "tanh" }),
  peephole_lstm: peepholeLstm as Factory<ForgetBiasOptions>,
  lstm_nig: fix<ForgetBiasOptions, GreffOptions>(greffLstm, { variant: "NIG" }),
  lstm_nfg: fix<ForgetBiasOptions, GreffOptions>(greffLstm, { variant: "NFG" }),
  lstm_nog: fix<ForgetBiasOptions, GreffOptions>(greffLstm, { variant: "NOG" }),
  lstm_niaf: fix<ForgetBiasOptions, GreffOptions>(greffLstm, { variant: "NIAF" }),
  lstm_noaf: fix<ForgetBiasOptions, GreffOptions>(greffLstm, { variant: "NOAF" }),
  lstm_np: fix<ForgetBiasOptions, GreffOptions>(greffLstm, { variant: "NP" }),
  lstm_cifg: fix<ForgetBiasOptions, GreffOptions>(greffLstm, { variant: "CIFG" }),
  lstm_fgr: fix<ForgetBiasOptions, GreffOptions>(greffLstm, { variant: "FGR" }),
  ln_lstm: lnLstm as Factory<LnLstmOptions>,
  slstm: sLstm as Factory<SLstmOptions>,
  min_lstm: minLstm as Factory<ForgetBiasOptions>,
  grouped_gate_lstm: groupedGateLstm as Factory<ForgetBiasOptions>,
  global_gate_lstm: globalGateLstm as Factory<GlobalGateOptions>,
  // GRUs and minimal units
  gru: gru as Factory<CellOptions>,
  cho_gru: fix<CellOptions, ChoGruOptions>(choGru, { candidate: "tanh" }),
  book_gru: fix<CellOptions, ChoGruOptions>(choGru, { candidate: "sigmoid" }),
  grouped_gate_gru: groupedGateGru as Factory<CellOptions>,
  mgu: mgu as Factory<CellOptions>,
  min_gru: minGru as Factory<CellOptions>,
  mut1: mut1 as Factory<CellOptions>,
  mut2: mut2 as Factory<CellOptions>,
  mut3: mut3 as Factory<CellOptions>,
} as const;

export type CatalogueName = keyof typeof CATALOGUE;

/** The catalogue's names, in catalogue order. */
export const CATALOGUE_NAMES = Object.keys(CATALOGUE) as CatalogueName[];

/** Builds the named catalogue cell; an unknown name is an error listing the known ones. */
export function getCell(name: string, opts: Record<string, unknown> = {}): Cell {
  if (!Object.hasOwn(CATALOGUE, name)) {
    throw new Error(
      `unknown cell ${JSON.stringify(name)}; the catalogue has: ${CATALOGUE_NAMES.join(", ")}`,
    );
  }
  return (CATALOGUE[name as CatalogueName] as (o: Record<string, unknown>) => Cell)(opts);
}
