import type { audioRequests } from '../../shared/contract/audio'
import { probeAudio } from '../audio/decode'
import { fileLevels } from '../audio/file-levels'
import { micSetup, micStatus, micTeardown } from '../mic'
import type { HandlerGroup } from './handlers'

export function audioHandlers(): HandlerGroup<typeof audioRequests> {
  return {
    micStatus: () => micStatus(),
    // Made from the app, the microphone goes away with the app; "mutescope mic setup" is the lasting kind.
    micSetup: () => micSetup({ removeAtExit: true }),
    micTeardown: () => micTeardown(),
    probeAudio: ({ file }) => probeAudio(file),
    fileLevels: ({ file, windowS, weighting, calibrationDb }) =>
      fileLevels(file, { windowS, weighting, calibrationDb }),
  }
}
