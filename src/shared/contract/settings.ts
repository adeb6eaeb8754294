import { z } from 'zod'
import { request } from './define'

/** Preferences that outlive a run, kept in the data folder. */
export const appSettings = z
  .object({
    /**
     * The calibration offset new sessions start with (dB SPL of digital full scale at the microphone); null:
     * none, levels are reported in dB re full scale.
     */
    calibrationDb: z.number().min(-200).max(200).nullable().default(null),
    /** The Classifier page's data folder, as last typed; absent or empty: paper-gains/ in the data directory. */
    classifierData: z.string().max(4096).optional(),
  })
  .strict()
export type AppSettings = z.infer<typeof appSettings>

export const settingsRequests = {
  getSettings: request('The preferences kept in the data folder', z.object({}).strict(), appSettings),
  updateSettings: request(
    'Changes the preferences it is given; the others stay',
    z
      .object({
        calibrationDb: appSettings.shape.calibrationDb.unwrap(),
        classifierData: appSettings.shape.classifierData.unwrap(),
      })
      .partial()
      .strict(),
    appSettings,
  ),
}
