import { api, transport } from '../api'
import { CalibrationDefault } from '../components/CalibrationDefault'
import { DevicesPanel } from '../components/DevicesPanel'
import { MicPanel } from '../components/MicPanel'
import { ErrorState, Loading } from '../components/Status'
import { useRequest } from '../useRequest'

export function SettingsPage() {
  const [info, reload] = useRequest(() => api.appInfo({}), [])
  return (
    <section aria-labelledby="settings-title">
      <header className="page-header">
        <h1 id="settings-title">Settings</h1>
      </header>
      {info.state === 'loading' && <Loading what="settings" />}
      {info.state === 'error' && <ErrorState error={info.error} onRetry={reload} />}
      {info.state === 'ready' && (
        <dl className="facts">
          <dt>Version</dt>
          <dd>{info.data.version}</dd>
          <dt>Data folder</dt>
          <dd>
            <code>{info.data.dataDir}</code> (set MUTESCOPE_DATA_DIR to move it)
          </dd>
          <dt>Running as</dt>
          <dd>{transport === 'electron' ? 'desktop app' : 'web mode (this machine only)'}</dd>
          <dt>Platform</dt>
          <dd>
            {info.data.platform}, Node {info.data.node}
          </dd>
        </dl>
      )}
      <CalibrationDefault />
      <MicPanel />
      <DevicesPanel />
    </section>
  )
}
