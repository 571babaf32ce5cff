/**
 * The two classic comparisons `gated study` reproduces, as data: which variants, which one is the
 * reference, the budgets, and how each of the paper's findings is decided from the results.
 *
 * - Greff et al. 2015, "LSTM: A Search Space Odyssey": the vanilla LSTM with peepholes (V) and
 *   eight variants, each removing or changing one part. Findings: removing the forget gate (NFG)
 *   or the output activation (NOAF) hurts most; coupling input and forget gate (CIFG) and removing
 *   the peepholes (NP) do not hurt significantly.
 * - Jozefowicz et al. 2015, "An Empirical Exploration of Recurrent Network Architectures": LSTM
 *   with forget-gate bias 0 and 1, GRU and the three evolved MUT cells. Finding: a forget bias of
 *   1 closes most of the gap between the LSTM and the GRU.
 */
import { ADDING, COPY, GENDER, LANGUAGE, type TaskEntry } from "../tasks.js";

export interface Variant {
  /** Short name used in tables (the paper's). */
  readonly label: string;
  /** The CELL argument it resolves from (catalogue name or a study variant of one). */
  readonly spec: string;
}

export interface Budget {
  readonly name: "quick" | "full";
  /** Random hyperparameter trials per task (the same trials for every variant). */
  readonly trials: number;
  /** Seeds for the best trial of each variant (seed 0 is the trial's own run). */
  readonly seeds: number;
  readonly hidden: readonly number[];
  /** Adam learning rate, drawn log-uniformly from [lo, hi]. */
  readonly lr: readonly [number, number];
  readonly steps: Readonly<Record<string, number>>;
  readonly evalEvery: number;
  readonly evalSize: number;
  /** Printed before a study starts. */
  readonly estimate: string;
}

export const BUDGETS: Readonly<Record<Budget["name"], Budget>> = {
  quick: {
    name: "quick",
    trials: 2,
    seeds: 5,
    hidden: [16, 32],
    lr: [3e-3, 3e-2],
    steps: { adding: 250, copy: 200, "names-gender": 150, "names-language": 150 },
    evalEvery: 50,
    evalSize: 128,
    estimate: "about 15 minutes on 2 cores",
  },
  full: {
    name: "full",
    trials: 8,
    seeds: 10,
    hidden: [32, 64, 128],
    lr: [1e-4, 1e-1],
    steps: { adding: 2000, copy: 2000, "names-gender": 1000, "names-language": 1500 },
    evalEvery: 100,
    evalSize: 512,
    estimate: "many hours on 2 cores (about 60 times the quick budget)",
  },
};

/** What one task's results look like to a finding. */
export interface TaskOutcome {
  readonly task: string;
  readonly higherIsBetter: boolean;
  /** Per variant label: its score per seed (higher or lower is better as the task says). */
  readonly scores: Readonly<Record<string, readonly number[]>>;
  /** Per variant label: mean score. */
  readonly means: Readonly<Record<string, number>>;
  /** Per variant label: Holm-adjusted two-sided Welch p against the reference. */
  readonly adjustedP: Readonly<Record<string, number>>;
  /** Per variant label: rank by mean (1 = best). */
  readonly rank: Readonly<Record<string, number>>;
}

export interface FindingResult {
  readonly claim: string;
  /** Per task: reproduced, not reproduced, or why it cannot be decided. */
  readonly perTask: readonly {
    readonly task: string;
    readonly verdict: "reproduced" | "not reproduced" | "undecided";
    readonly why: string;
  }[];
}

export interface Finding {
  readonly claim: string;
  decide(o: TaskOutcome): { verdict: FindingResult["perTask"][number]["verdict"]; why: string };
}

export interface StudyPlan {
  readonly name: "greff" | "jozefowicz";
  readonly title: string;
  readonly paper: string;
  readonly variants: readonly Variant[];
  /** Label of the variant every other is tested against. */
  readonly reference: string;
  /** The tasks; `data` (a names directory) picks names → language over names → gender. */
  tasks(data: string | undefined): readonly TaskEntry[];
  readonly findings: readonly Finding[];
}

const ALPHA = 0.05;
const worse = (o: TaskOutcome, v: string, ref: string) =>
  o.higherIsBetter ? o.means[v]! < o.means[ref]! : o.means[v]! > o.means[ref]!;
const significant = (o: TaskOutcome, v: string) => o.adjustedP[v]! < ALPHA;
const pText = (p: number) => (Number.isNaN(p) ? "p n/a" : `p = ${p.toPrecision(2)}`);

function hurtsMost(labels: readonly string[], ref: string): Finding {
  return {
    claim: `${labels.join(" and ")} hurt most: significantly worse than ${ref}, and the worst by mean`,
    decide(o) {
      const n = Object.keys(o.rank).length;
      const bottom = labels.every((v) => o.rank[v]! > n - labels.length);
      const sig = labels.filter((v) => worse(o, v, ref) && significant(o, v));
      const detail = labels
        .map((v) => `${v} rank ${o.rank[v]} of ${n}, ${pText(o.adjustedP[v]!)}`)
        .join("; ");
      if (sig.length === labels.length && bottom) return { verdict: "reproduced", why: detail };
      return { verdict: "not reproduced", why: detail };
    },
  };
}

function doNotHurt(labels: readonly string[], ref: string): Finding {
  return {
    claim: `${labels.join(" and ")} do not hurt significantly (compared with ${ref})`,
    decide(o) {
      const hurt = labels.filter((v) => worse(o, v, ref) && significant(o, v));
      const detail = labels
        .map((v) => `${v} ${worse(o, v, ref) ? "worse" : "not worse"}, ${pText(o.adjustedP[v]!)}`)
        .join("; ");
      return { verdict: hurt.length === 0 ? "reproduced" : "not reproduced", why: detail };
    },
  };
}

/** The LSTM–GRU gap at forget bias 0 is real and bias 1 closes at least half of it. */
const closesGap: Finding = {
  claim: "a forget-gate bias of 1 closes most (at least half) of the LSTM–GRU gap",
  decide(o) {
    const sign = o.higherIsBetter ? 1 : -1;
    const gap0 = sign * (o.means["GRU"]! - o.means["LSTM-b0"]!);
    const gap1 = sign * (o.means["GRU"]! - o.means["LSTM-b1"]!);
    const why = `gap GRU − LSTM: bias 0 ${gap0.toPrecision(3)}, bias 1 ${gap1.toPrecision(3)} (score units; positive = GRU better)`;
    if (!(gap0 > 0)) return { verdict: "undecided", why: `${why}: no gap at bias 0 to close` };
    return { verdict: gap1 <= gap0 / 2 ? "reproduced" : "not reproduced", why };
  },
};

export const PLANS: Readonly<Record<StudyPlan["name"], StudyPlan>> = {
  greff: {
    name: "greff",
    title: "LSTM: A Search Space Odyssey",
    paper: "Greff, Srivastava, Koutník, Steunebrink, Schmidhuber (2015), arXiv:1503.04069",
    variants: [
      { label: "V", spec: "peephole_lstm" },
      { label: "NIG", spec: "lstm_nig" },
      { label: "NFG", spec: "lstm_nfg" },
      { label: "NOG", spec: "lstm_nog" },
      { label: "NIAF", spec: "lstm_niaf" },
      { label: "NOAF", spec: "lstm_noaf" },
      { label: "NP", spec: "lstm_np" },
      { label: "CIFG", spec: "lstm_cifg" },
      { label: "FGR", spec: "lstm_fgr" },
    ],
    reference: "V",
    tasks: (data) => [ADDING, COPY, data !== undefined ? LANGUAGE : GENDER],
    findings: [hurtsMost(["NFG", "NOAF"], "V"), doNotHurt(["CIFG", "NP"], "V")],
  },
  jozefowicz: {
    name: "jozefowicz",
    title: "An Empirical Exploration of Recurrent Network Architectures",
    paper: "Jozefowicz, Zaremba, Sutskever (2015), ICML",
    variants: [
      { label: "LSTM-b0", spec: "lstm-fb0" },
      { label: "LSTM-b1", spec: "lstm" },
      { label: "GRU", spec: "gru" },
      { label: "MUT1", spec: "mut1" },
      { label: "MUT2", spec: "mut2" },
      { label: "MUT3", spec: "mut3" },
    ],
    reference: "GRU",
    tasks: (data) => [ADDING, COPY, data !== undefined ? LANGUAGE : GENDER],
    findings: [closesGap],
  },
};
