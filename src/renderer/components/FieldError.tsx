import type { HTMLAttributes } from 'react'

/** A problem with one form field, in plain words, shown right below it and announced to screen readers. */
export function FieldError({ id, error }: { id: string; error: string | null | undefined }) {
  if (!error) return null
  return (
    <span id={id} className="field-error" role="alert">
      {error}
    </span>
  )
}

/** Props that tie an input to its FieldError. */
export function invalidProps(id: string, error: string | null | undefined) {
  return error ? { 'aria-invalid': true, 'aria-describedby': id } : {}
}

/** A labelled text input with its problem, if any, below it. */
export function TextField(props: {
  id: string
  label: string
  value: string
  onChange: (value: string) => void
  error?: string | null
  inputMode?: HTMLAttributes<HTMLInputElement>['inputMode']
  placeholder?: string
  className?: string
}) {
  const errorId = `${props.id}-error`
  return (
    <label className={props.className}>
      {props.label}
      <input
        inputMode={props.inputMode}
        placeholder={props.placeholder}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        {...invalidProps(errorId, props.error)}
      />
      <FieldError id={errorId} error={props.error} />
    </label>
  )
}
