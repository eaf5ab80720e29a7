/**
 * The list members of a W3C list header (`tracestate`, `baggage`): comma-separated, each with
 * optional spaces and tabs around it, empty members allowed. Linear in the header's length (no
 * backtracking regular expression), so a crafted value such as a long run of spaces, received in
 * a queue message with no size cap, cannot block.
 *
 * @module
 */

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * `text` without leading and trailing spaces and tabs.
 *
 * @param text The text.
 * @returns The trimmed text.
 */
export function trimOws(text: string): string {
  let from = 0, to = text.length;
  while (from < to && isOws(text.charCodeAt(from))) from++;
  while (to > from && isOws(text.charCodeAt(to - 1))) to--;
  return text.slice(from, to);
}

/**
 * The members of a list header, trimmed of surrounding spaces and tabs, empty ones skipped.
 *
 * @param header The header value.
 * @param limit Stop after this many members (a caller rejecting more than `n` passes `n + 1`).
 * @returns The members in order, at most `limit` of them.
 */
export function listMembers(header: string, limit: number = Infinity): string[] {
  const members: string[] = [];
  for (let start = 0; start <= header.length && members.length < limit;) {
    let end = header.indexOf(",", start);
    if (end < 0) end = header.length;
    const member = trimOws(header.slice(start, end));
    if (member !== "") members.push(member);
    start = end + 1;
  }
  return members;
}
