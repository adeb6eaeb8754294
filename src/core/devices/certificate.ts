import { closeSync, readFileSync } from 'node:fs'
import { UserError } from '../errors'
import { openRegularFile } from '../regular-file'

const maxPemBytes = 64 * 1024
const certificateBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g
export const keyBlock =
  /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/

/**
 * A PEM file's certificates, and with `withKey` also its private key (what a TLS endpoint serves). A device
 * only ever keeps the certificates: the key stays in the file it came from.
 */
export function readPem(file: string, flag: string, withKey: boolean): { certificate: string; pem: string } {
  const what = withKey ? 'PEM file with a certificate and its private key' : 'PEM certificate'
  const { fd } = openRegularFile(file, { what, fix: `give ${flag} a ${what}`, maxBytes: maxPemBytes })
  let pem: string
  try {
    pem = readFileSync(fd, 'utf8')
  } finally {
    closeSync(fd)
  }
  const certs = pem.match(certificateBlock)
  if (!certs) throw new UserError(`${file} holds no PEM certificate: give ${flag} a ${what}`)
  if (withKey && !keyBlock.test(pem))
    throw new UserError(
      `${file} holds no private key: give ${flag} one PEM file with the certificate and its key ` +
        '(e.g. "cat cert.pem key.pem > portal.pem")',
    )
  return { certificate: certs.join('\n') + '\n', pem }
}
