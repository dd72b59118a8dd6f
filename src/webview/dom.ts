/**
 * A small helper to build DOM trees without innerHTML (no HTML parsing of data: condition names,
 * messages and statuses are always text).
 */

/** Attributes (strings; `true` for a boolean attribute, `false`/undefined to leave it out), plus text and children. */
export interface ElementOptions {
  className?: string;
  text?: string;
  attributes?: Record<string, string | boolean | undefined>;
  title?: string;
}

/** Creates an element with attributes and children. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, options: ElementOptions = {}, children: readonly (Node | null | undefined)[] = []): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (options.className) created.className = options.className;
  if (options.text !== undefined) created.textContent = options.text;
  if (options.title !== undefined) created.title = options.title;
  for (const [name, value] of Object.entries(options.attributes ?? {})) {
    if (value === true) created.setAttribute(name, '');
    else if (typeof value === 'string') created.setAttribute(name, value);
  }
  for (const child of children) if (child) created.append(child);
  return created;
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, children: readonly (Node | null | undefined)[]): void {
  parent.replaceChildren(...children.filter((child): child is Node => Boolean(child)));
}
