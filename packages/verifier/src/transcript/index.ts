export { Transcript, TranscriptError, type Sha256, type TranscriptOptions } from './transcript.js';
