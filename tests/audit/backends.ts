/** The backends the audit suites run on: every registered backend that can run here. */
import { availableBackends, type BackendName } from "@gated/codegen";

export const AUDIT_BACKENDS = availableBackends().map((b) => b.name as BackendName);
