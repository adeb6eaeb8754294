import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadNodeFrida } from '../../src/core/capture/node-backend'
import { cliPath, runCli, tempDir } from '../support/helpers'

const dataDir = tempDir()
const isRoot = process.getuid?.() === 0

describe('capture and processes refuse bad input with a message naming the fix', () => {
  it('an unknown pid', () => {
    const gone = spawnSync('true').pid
    const r = runCli(['capture', '--pid', String(gone)], { dataDir })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`no process matches pid ${gone}: .*mutescope processes`))
    expect(runCli(['sessions', 'list', '--json'], { dataDir }).stdout.trim()).toBe('[]')
  })

  it('an unknown process name', () => {
    const r = runCli(['capture', '--name', 'no-such-app-4711'], { dataDir })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('no process matches a process named "no-such-app-4711"')
  })

  it('no target, two targets, a malformed host, a pipeline to spawn', () => {
    expect(runCli(['capture'], { dataDir }).stderr).toContain(
      'give exactly one of --pid N, --name NAME or --spawn',
    )
    expect(runCli(['capture', '--pid', '1', '--name', 'x'], { dataDir }).status).toBe(1)
    const host = runCli(['processes', '--host', 'lab-vm'], { dataDir })
    expect(host.status).toBe(1)
    expect(host.stderr).toContain('--host must be HOST:PORT')
    const pipe = runCli(['capture', '--spawn', 'curl x | sh'], { dataDir })
    expect(pipe.status).toBe(1)
    expect(pipe.stderr).toContain('not a shell pipeline')
    expect(runCli(['capture', '--spawn', 'no-such-program-4711'], { dataDir }).stderr).toContain(
      'cannot find "no-such-program-4711" on PATH',
    )
  })

  it('an unreachable frida-server', () => {
    const r = runCli(['processes', '--host', '127.0.0.1:9', '--json'], { dataDir })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/cannot reach frida-server at 127\.0\.0\.1:9 .*start frida-server there/)
  })

  describe('permission denied', () => {
    let target: ChildProcess
    beforeAll(() => {
      // As root: a process of another user, attached to by a root CLI stripped of CAP_SYS_PTRACE (ptrace then
      // needs matching uids). As a normal user: init, which belongs to root.
      target = isRoot
        ? spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sleep', '60'])
        : spawn('true')
    })
    afterAll(() => target.kill('SIGKILL'))

    it('names the fix', () => {
      const pid = isRoot ? target.pid : 1
      const cmd = isRoot
        ? ['setpriv', '--inh-caps=-sys_ptrace', '--bounding-set=-sys_ptrace', process.execPath, cliPath]
        : [process.execPath, cliPath]
      const r = spawnSync(cmd[0], [...cmd.slice(1), 'capture', '--pid', String(pid)], {
        encoding: 'utf8',
        env: { ...process.env, MUTESCOPE_DATA_DIR: dataDir },
        timeout: 30_000,
      })
      expect(r.status).toBe(1)
      expect(r.stderr).toMatch(
        /permission denied attaching to pid \d+ .*run MuteScope as the target's user or as root/,
      )
    })
  })

  describe('no Frida at all', () => {
    let python: string
    beforeAll(() => {
      // A python with no frida: a fresh venv does not see the site-packages where pip put it.
      const venv = join(tempDir('mutescope-nofrida-'), 'venv')
      spawnSync('python3', ['-m', 'venv', '--without-pip', venv])
      python = join(venv, 'bin', 'python')
    })

    it("auto: neither the npm binding nor pip's package", async () => {
      expect(await loadNodeFrida()).toBeNull() // this machine cannot install the npm binding
      const r = runCli(['processes'], { dataDir, env: { MUTESCOPE_PYTHON: python } })
      expect(r.status).toBe(1)
      expect(r.stderr).toContain('Frida is not available')
      expect(r.stderr).toContain('pip install frida')
      expect(r.stderr).toContain('npm install frida')
      expect(r.stderr).not.toContain('internal error')
    })

    it('--backend python and --backend node each name their own fix', () => {
      const py = runCli(['capture', '--pid', '1', '--backend', 'python'], {
        dataDir,
        env: { MUTESCOPE_PYTHON: python },
      })
      expect(py.status).toBe(1)
      expect(py.stderr).toContain(`-m pip install frida`)
      const node = runCli(['processes', '--backend', 'node'], { dataDir })
      expect(node.status).toBe(1)
      expect(node.stderr).toContain('run "npm install frida"')
    })
  })
})
