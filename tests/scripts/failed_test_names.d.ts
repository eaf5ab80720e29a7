/** Types for scripts/_summary.mjs's failedTestNames, as the test uses it. */
export declare function failedTestNames(runtime: string, output: string): string[];
