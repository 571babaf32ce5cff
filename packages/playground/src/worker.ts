/**
 * The playground's training worker: parses the cell, builds the task (the adding problem or
 * names → gender, whose name lists the build inlines), trains with Adam and posts every step's
 * loss; a "stop" message ends the run after the current step. At the end it posts the
 * validation metrics and the trained model as a standalone module (`emitModelModule`).
 */
import {
  adam,
  addingProblem,
  asDataset,
  emitModelModule,
  evaluateModel,
  parseCell,
  type Task,
  Trainer,
  taskModel,
} from "gated";
import { namesGender } from "../../rnn/src/tasks/namesGender.js";

export interface TrainRequest {
  readonly kind: "train";
  readonly text: string;
  readonly task: "adding" | "names-gender";
  readonly steps: number;
  readonly hidden: number;
  readonly lr: number;
  readonly T: number;
}

let stop = false;
const post = (m: unknown) => (self as unknown as Worker).postMessage(m);

self.onmessage = (e: MessageEvent<TrainRequest | { kind: "stop" }>) => {
  if (e.data.kind === "stop") stop = true;
  else {
    stop = false;
    try {
      train(e.data);
    } catch (err) {
      post({ kind: "error", message: (err as Error).message.split("\n")[0] });
    }
  }
};

function makeTask(r: TrainRequest): Task {
  return r.task === "adding"
    ? addingProblem({ T: r.T, seed: 0, validationSize: 200, testSize: 200 })
    : namesGender({ seed: 0 });
}

function train(r: TrainRequest): void {
  const cell = parseCell(r.text);
  const task = makeTask(r);
  const model = taskModel(task, { cell, hidden: r.hidden, embed: 8, seed: 0 });
  const trainer = new Trainer(model, {
    optimizer: adam({ lr: r.lr }),
    batchSize: 32,
    steps: r.steps,
    clipNorm: 1,
  });
  const it = trainer.iterate(asDataset(task.train));
  post({ kind: "start", task: task.name, params: model.size });
  const slice = () => {
    const t0 = performance.now();
    while (performance.now() - t0 < 40) {
      const s = it.next();
      if (s.done || stop) return finish();
      post({ kind: "step", step: s.value.step, loss: s.value.loss });
    }
    setTimeout(slice, 0); // let "stop" messages in
  };
  const finish = () => {
    const v = evaluateModel(model, task.validation, 256);
    post({
      kind: "done",
      step: trainer.step,
      stopped: stop,
      validation: v,
      module: emitModelModule(model),
    });
  };
  slice();
}
