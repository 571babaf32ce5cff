// Prints one plain closing line, "N passed, N failed[, N skipped]", after vitest's own summary,
// so CI logs state the count in a runner-neutral form.
export default class SummaryReporter {
  onTestRunEnd(testModules) {
    let passed = 0,
      failed = 0,
      skipped = 0;
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === "passed") passed++;
        else if (s === "failed") failed++;
        else skipped++;
      }
      if (m.state() === "failed" && [...m.children.allTests()].length === 0) failed++;
    }
    process.stdout.write(
      `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`,
    );
  }
}
