import { useState } from 'react'
import type { DeviceView } from '../../shared/contract/devices'
import { api } from '../api'
import { checkDraft, emptyDraft, type DeviceDraft, type DraftErrors } from '../deviceForm'
import { TextField } from './FieldError'

type Errors = DraftErrors & { certificateFile?: string; form?: string }

/** Adds a frida-server or a portal; each problem is shown next to its field, in the contract's words. */
export function AddDeviceForm({ names, onAdded }: { names: string[]; onAdded: (d: DeviceView) => void }) {
  const [draft, setDraft] = useState<DeviceDraft>(emptyDraft)
  const [errors, setErrors] = useState<Errors>({})
  const [busy, setBusy] = useState(false)
  const set = (field: keyof DeviceDraft) => (value: string) => {
    setDraft((d) => ({ ...d, [field]: value }))
    setErrors((e) => ({ ...e, [field]: undefined, form: undefined }))
  }

  async function add() {
    const checked = checkDraft(draft)
    if ('errors' in checked) return setErrors(checked.errors)
    setBusy(true)
    try {
      let certificate: string | null = null
      if (draft.certificateFile.trim()) {
        try {
          certificate = (await api.readCertificate({ file: draft.certificateFile.trim() })).certificate
        } catch (err) {
          return setErrors({ certificateFile: (err as Error).message })
        }
      }
      const added = await api.addDevice({ ...checked.device, certificate })
      setDraft(emptyDraft)
      setErrors({})
      onAdded(added)
    } catch (err) {
      setErrors({ form: (err as Error).message })
    } finally {
      setBusy(false)
    }
  }

  const portal = draft.kind === 'portal'
  return (
    <form
      aria-label="Add a device"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        void add()
      }}
    >
      <h3>Add a device</h3>
      <div className="row">
        <label>
          Kind
          <select value={draft.kind} onChange={(e) => set('kind')(e.target.value)}>
            <option value="frida-server">frida-server</option>
            <option value="portal">portal (control endpoint)</option>
          </select>
        </label>
        <TextField
          id="device-name"
          label="Name"
          placeholder="lab1"
          value={draft.name}
          onChange={set('name')}
          error={errors.name}
        />
        <TextField
          id="device-address"
          label={portal ? 'Control address (HOST:PORT)' : 'Address (HOST:PORT)'}
          placeholder={portal ? '127.0.0.1:27052' : '10.0.0.2:27042'}
          value={draft.address}
          onChange={set('address')}
          error={errors.address}
        />
      </div>
      <div className="row">
        <TextField
          id="device-token"
          label={portal ? 'Token' : 'Token (optional)'}
          value={draft.token}
          onChange={set('token')}
          error={errors.token}
        />
        <TextField
          id="device-certificate"
          label="TLS certificate file (optional, PEM)"
          placeholder="/path/to/server.pem"
          value={draft.certificateFile}
          onChange={set('certificateFile')}
          error={errors.certificateFile}
        />
        <button type="submit" disabled={busy}>
          {names.includes(draft.name.trim()) ? 'Replace device' : 'Add device'}
        </button>
      </div>
      {errors.form && (
        <p className="field-error" role="alert">
          {errors.form}
        </p>
      )}
    </form>
  )
}
