/** Words for people, shared by every zone that writes sentences (views, CLI, report). Pure. */

/** "1 seed", "3 seeds": a count with its noun, plural with an s when the count is not 1. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
