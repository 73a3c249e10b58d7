/* global document */
// DOM helpers shared by the dashboard's modules. Text goes in as text, never as HTML: task names,
// model names and error messages come from the ledger and from clients.

/** `el('div', { class: 'card', text: 'Hello' }, child, …)`: an element with attributes and children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}
