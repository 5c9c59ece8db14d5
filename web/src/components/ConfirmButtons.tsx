// The buttons of a confirm step: the action's confirm button (its text is `children`, e.g.
// "Confirm revoking ci") and Cancel.
import type { ComponentChildren, Ref } from 'preact';

export function ConfirmButtons({
  children,
  onConfirm,
  onCancel,
  id,
  disabled,
  confirmRef,
}: {
  children: ComponentChildren;
  onConfirm: () => void;
  onCancel: () => void;
  id?: string;
  disabled?: boolean;
  confirmRef?: Ref<HTMLButtonElement>;
}) {
  return (
    <>
      <button
        ref={confirmRef}
        type="button"
        id={id}
        class="danger"
        disabled={disabled}
        onClick={onConfirm}
      >
        {children}
      </button>
      <button type="button" class="plain" onClick={onCancel}>
        Cancel
      </button>
    </>
  );
}
