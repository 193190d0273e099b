import { type ReactNode, useEffect, useId, useRef } from 'react';

export interface ConfirmDialogProps {
  /** The question, e.g. "Stop sharing with Enjoy Life?"; also the dialog's accessible name. */
  readonly title: string;
  /** What happens if the person confirms; the dialog's accessible description. */
  readonly children: ReactNode;
  readonly confirmLabel: string;
  readonly cancelLabel: string;
  /** The confirm button looks destructive (red) when the action cannot be undone. */
  readonly destructive?: boolean;
  /** True while the confirmed action runs: both buttons are disabled. */
  readonly busy?: boolean;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/**
 * A modal confirmation on the native `<dialog>`: showModal() makes the rest of the page inert, traps focus
 * and closes on Escape (WAI-ARIA APG dialog pattern without hand-written focus management). The safe choice
 * gets the initial focus, so a stray Enter never confirms a destructive action.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const opener = document.activeElement as HTMLElement | null;
    element.showModal();
    cancel.current?.focus();
    // Focus goes back to what opened the dialog (APG), if it is still on the page.
    return () => {
      element.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={dialog}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={descriptionId}
      onCancel={(event) => {
        event.preventDefault();
        if (!props.busy) props.onCancel();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      <div id={descriptionId} className="dialog__body">
        {props.children}
      </div>
      <div className="actions">
        <button
          type="button"
          className={props.destructive ? 'button button--danger' : 'button button--primary'}
          disabled={props.busy}
          onClick={props.onConfirm}
        >
          {props.confirmLabel}
        </button>
        <button
          ref={cancel}
          type="button"
          className="button button--secondary"
          disabled={props.busy}
          onClick={props.onCancel}
        >
          {props.cancelLabel}
        </button>
      </div>
    </dialog>
  );
}
