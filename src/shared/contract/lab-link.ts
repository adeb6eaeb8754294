import { z } from 'zod'
import { deviceName, deviceToken, labMachineName, labMic, labOffer } from './devices'

/**
 * The lab link: a TLS WebSocket that `portal serve` listens on beside Frida's endpoints. Lab agents open it
 * (outbound from the lab machine) to offer their machine's virtual microphone; the workbench's player opens it
 * on loopback to stream episodes to one of them. The portal relays between the two. JSON text frames carry
 * control, binary frames carry float32le mono PCM from the player to the lab. Every side validates what it
 * receives with these schemas.
 */

/** Frida's cluster port + 1: the lab link's default port. */
export const defaultLabLinkPort = 27053
/** Larger frames close the link: control is small, PCM comes in 100 ms chunks (19.2 kB at 48 kHz). */
export const labLinkMaxFrameBytes = 256 * 1024
/** A client that has not said hello (with the token) by then is closed. */
export const labLinkHelloTimeoutMs = 5000
/** WebSocket close codes of ours. */
export const labLinkClose = { refused: 4001, protocol: 4002, replaced: 4003, left: 4004 } as const

const sampleRate = z.number().int().min(8000).max(192_000)
const time = z.number().finite()

/** The first message of every connection. */
export const labHello = z.discriminatedUnion('role', [
  z
    .object({
      type: z.literal('hello'),
      role: z.literal('lab'),
      token: deviceToken,
      machine: labMachineName,
      mic: labMic,
    })
    .strict(),
  z.object({ type: z.literal('hello'), role: z.literal('player'), token: deviceToken }).strict(),
])
export type LabHello = z.infer<typeof labHello>

const welcome = z.object({ type: z.literal('welcome'), machines: z.array(labOffer).max(1000) }).strict()
const refused = z.object({ type: z.literal('refused'), reason: z.string().max(1000) }).strict()

/** The portal asks a lab machine's offer of the player's; `time` requests measure the clock offset. */
const playerControl = [
  z.object({ type: z.literal('end') }).strict(),
  z.object({ type: z.literal('stop') }).strict(),
  z.object({ type: z.literal('time'), id: z.number().int().nonnegative(), t: time }).strict(),
] as const

/** Player → portal. */
export const fromPlayer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('play'), machine: labMachineName, sampleRate }).strict(),
  ...playerControl,
])
export type FromPlayer = z.infer<typeof fromPlayer>

/** Portal → lab machine. */
export const toLab = z.discriminatedUnion('type', [
  welcome,
  refused,
  z.object({ type: z.literal('play'), sampleRate }).strict(),
  ...playerControl,
])
export type ToLab = z.infer<typeof toLab>

/** Lab machine → portal → player: its output's state and clock, in the lab machine's own wall clock. */
export const fromLab = z.discriminatedUnion('type', [
  z.object({ type: z.literal('playing') }).strict(),
  z.object({ type: z.literal('clock'), wallMs: time, playedS: z.number().nonnegative() }).strict(),
  z.object({ type: z.literal('time'), id: z.number().int().nonnegative(), t: time, labT: time }).strict(),
  z
    .object({ type: z.literal('ended'), code: z.number().int().nullable(), message: z.string().max(2000) })
    .strict(),
  z.object({ type: z.literal('error'), message: z.string().max(2000) }).strict(),
])
export type FromLab = z.infer<typeof fromLab>

/** Portal → player. */
export const toPlayer = z.union([welcome, refused, fromLab])
export type ToPlayer = z.infer<typeof toPlayer>

/** Where an experiment plays: a lab machine's virtual microphone, reached through a portal device. */
export const labPlayback = z.object({ device: deviceName, machine: labMachineName }).strict()
export type LabPlayback = z.infer<typeof labPlayback>
