import { labDevice, type LabDevice } from '../shared/contract/devices'

export interface DeviceDraft {
  kind: LabDevice['kind']
  name: string
  address: string
  token: string
  certificateFile: string
}

export const emptyDraft: DeviceDraft = {
  kind: 'frida-server',
  name: '',
  address: '',
  token: '',
  certificateFile: '',
}

export type DraftErrors = Partial<Record<'name' | 'address' | 'token', string>>

/**
 * The draft as the contract's device (its certificate still to be read from the file), or each field's
 * problem in the contract's own words, so the form and the server never disagree on what is valid.
 */
export function checkDraft(d: DeviceDraft): { device: LabDevice } | { errors: DraftErrors } {
  const r = labDevice.safeParse({
    kind: d.kind,
    name: d.name.trim(),
    address: d.address.trim(),
    token: d.token === '' ? null : d.token,
    certificate: null,
  })
  if (r.success) return { device: r.data }
  const errors: DraftErrors = {}
  for (const issue of r.error.issues) {
    const field = issue.path[0]
    if (field !== 'name' && field !== 'address' && field !== 'token') continue
    // Zod's words for a missing or too long token are not plain: say what to give instead.
    errors[field] ??=
      field === 'token'
        ? d.token === ''
          ? 'a portal needs its token (the one "mutescope portal serve" printed)'
          : 'a token is at most 512 characters'
        : issue.message
  }
  return { errors }
}
