#!/usr/bin/env node
'use strict'
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const cli = join(__dirname, '..', 'out', 'cli', 'mutescope.cjs')
if (!existsSync(cli)) {
  process.stderr.write(
    'mutescope: the CLI is not built yet; run "npm run build" in the MuteScope folder first\n',
  )
  process.exit(1)
}
require(cli)
