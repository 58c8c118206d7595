/**
 * Elements built by DOM calls only. Text from the trace goes in through `textContent`, never as
 * markup: the page has no `innerHTML` anywhere (a test reads the bundle for it).
 */

export interface ElementProps {
  className?: string;
  text?: string;
  /** Attributes set with setAttribute (ARIA, role, type, tabindex…); `undefined` values are skipped. */
  attrs?: Record<string, string | undefined>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: ElementProps = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props.className) element.className = props.className;
  if (props.text !== undefined) element.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (value !== undefined) element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

export function button(text: string, onClick: () => void, props: ElementProps = {}): HTMLButtonElement {
  const element = el('button', { ...props, text, attrs: { type: 'button', ...props.attrs } });
  element.addEventListener('click', onClick);
  return element;
}

/** Sets an attribute, or removes it for `undefined`; skips the DOM write when nothing changes. */
export function setAttr(element: Element, name: string, value: string | undefined): void {
  if (value === undefined) {
    if (element.hasAttribute(name)) element.removeAttribute(name);
  } else if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

/** Sets text content, skipping the DOM write when it is already that text. */
export function setText(node: Node, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
