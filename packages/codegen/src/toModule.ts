/**
 * Minifying an emitted module (the kernel text itself is assembled in kernel/module.ts).
 */

