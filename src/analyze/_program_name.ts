/**
 * The analysis CLI's program name, in its usage, help, error and warning lines (the npm package's
 * bin, as the README runs it: `npx tracelet --trace-dir …`).
 *
 * @module
 */

/** The program name. */
export const PROG = "tracelet";
