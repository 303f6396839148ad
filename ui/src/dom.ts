// The only way this UI makes DOM: elements with attributes and text nodes. Mail text (sender,
// subject, preview, folder names, server errors) always goes in as a text node or textContent,
// never as HTML: there is no innerHTML anywhere in the UI.

export type Child = Node | string | number | null | undefined | false;

export type Attrs = {
  class?: string;
  title?: string;
  /** data-* attributes, without the prefix. */
  data?: Record<string, string>;
  /** Other attributes (aria-*, type, role...). Never `on*`: use `on`. */
  attrs?: Record<string, string>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (ev: HTMLElementEventMap[K]) => void }>;
};

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    if (props.class) el.className = props.class;
    if (props.title) el.title = props.title;
    for (const [k, v] of Object.entries(props.data ?? {})) el.dataset[k] = v;
    for (const [k, v] of Object.entries(props.attrs ?? {})) {
      if (/^on/i.test(k)) throw new Error(`refusing event-handler attribute ${k}`);
      el.setAttribute(k, v);
    }
    for (const [type, fn] of Object.entries(props.on ?? {})) {
      el.addEventListener(type, fn as EventListener);
    }
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's content, keeping its scroll position. */
export function replace(parent: HTMLElement, ...children: Child[]): void {
  const top = parent.scrollTop;
  const frag = document.createDocumentFragment();
  append(frag, children);
  parent.replaceChildren(frag);
  parent.scrollTop = top;
}

/** A button that runs `action`; it is disabled while the returned promise runs. */
export function button(label: string, action: () => unknown, props: Attrs = {}): HTMLButtonElement {
  const b = h("button", { ...props, attrs: { type: "button", ...(props.attrs ?? {}) } }, label);
  const run = async () => {
    b.disabled = true;
    try {
      await action();
    } finally {
      b.disabled = false;
    }
  };
  b.addEventListener("click", (ev) => {
    ev.stopPropagation();
    if (!b.disabled) void run();
  });
  return b;
}

/** A labelled on/off switch (a checkbox styled as a switch). */
export function toggle(label: string, checked: boolean, onChange: (on: boolean) => unknown, props: Attrs = {}): HTMLLabelElement {
  const input = h("input", { attrs: { type: "checkbox", role: "switch" } });
  input.checked = checked;
  const change = async () => {
    input.disabled = true;
    try {
      await onChange(input.checked);
    } finally {
      input.disabled = false;
    }
  };
  input.addEventListener("change", () => void change());
  return h("label", { ...props, class: `switch ${props.class ?? ""}`.trim() }, input, h("span", { class: "track" }), h("span", { class: "label" }, label));
}
