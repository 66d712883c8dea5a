// Looking up the page's elements by id, typed, failing loudly when index.html lacks one.

export function byId<T extends HTMLElement = HTMLElement>(id: string, type?: new () => T): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`index.html has no element #${id}`);
  if (type !== undefined && !(el instanceof type))
    throw new Error(`#${id} is a <${el.tagName.toLowerCase()}>, not a ${type.name}`);
  return el as T;
}
