// Modal dialogs on the native <dialog> element: focus moves into it, Escape closes it, the page
// behind cannot be reached by keyboard or pointer while it is open.

import { h, newId, replace } from '../dom.js';

/**
 * Opens a modal dialog titled `title` holding `content`; returns `{ dialog, body, actions, close }`.
 * `body` may be re-filled (e.g. with a result); `actions` holds the buttons.
 */
export function openDialog(title, content, { onClose } = {}) {
  const titleId = newId('dlg');
  const body = h('div', { class: 'dialog-body' }, content);
  const actions = h('div', { class: 'dialog-actions' });
  const heading = h('h2', { id: titleId, tabindex: '-1' }, title);
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': titleId }, heading, body, actions);
  document.body.append(dialog);
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (onClose) onClose();
  });
  dialog.showModal();
  heading.focus();
  return {
    dialog,
    body,
    actions,
    heading,
    close: () => dialog.close(),
    setActions: (...buttons) => replace(actions, buttons),
  };
}

/** Asks to confirm an action; resolves true when `confirmLabel` was pressed. */
export function confirmDialog(title, content, confirmLabel, { danger = false } = {}) {
  return new Promise((resolve) => {
    let answered = false;
    const d = openDialog(title, content, { onClose: () => { if (!answered) resolve(false); } });
    const cancel = h('button', { type: 'button', onclick: () => d.close() }, 'Cancel');
    const ok = h('button', {
      type: 'button',
      class: danger ? 'danger' : 'primary',
      onclick: () => { answered = true; resolve(true); d.close(); },
    }, confirmLabel);
    d.setActions(cancel, ok);
  });
}
